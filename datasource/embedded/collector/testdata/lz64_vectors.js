// Regenerates lz64_vectors.json with the real lz-string package:
//   cd "$(mktemp -d)" && npm install lz-string@1.5.0 && \
//   node /path/to/testdata/lz64_vectors.js > /path/to/testdata/lz64_vectors.json
// The Go decoder must turn every "compressed" back into "plain".
const LZString = require(process.cwd() + '/node_modules/lz-string');

const batch = JSON.stringify([
  { event: '$pageview', distinct_id: 'user-1', properties: { token: 'phc_test', $current_url: 'https://example.com/?a=1&b=2' } },
  { event: 'timer.started', distinct_id: 'user-1', properties: { token: 'phc_test', project_id: 42 } },
]);
const plains = [
  '',
  'a',
  'ab',
  'hello world',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'abcabcabcabcabcabcabcabcabcabcabcabcabcabcabc',
  'TOBEORNOTTOBEORTOBEORNOT#',
  'Grüße, 世界! ¿Qué tal? Ünïcödé',
  'emoji \u{1F600}\u{1F680} surrogate pairs \u{1F4A9}',
  '\u0100\u0101\u0102 wide literals \uFFFF\u1234',
  batch,
  batch.repeat(20),
  'x'.repeat(5000),
];
let seed = 7;
let rnd = '';
for (let i = 0; i < 3000; i++) {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  rnd += String.fromCharCode(32 + (seed % 95));
}
plains.push(rnd);
const out = plains.map((plain) => ({ plain, compressed: LZString.compressToBase64(plain) }));
// A bomb: 1 MiB of one character packs into a few KB; the decoder must stop
// at its output cap instead of producing it.
out.push({ repeat: 'A', count: 1 << 20, compressed: LZString.compressToBase64('A'.repeat(1 << 20)) });
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
