package posthog

import (
	"testing"

	"github.com/ttmon/ttmon/datasource/posthog/posthogtest"
)

// The fake PostHog lives in posthogtest, so that the UI's tests can run
// the real adapter against it as well; these names keep the tests here
// short.
type (
	fakePostHog = posthogtest.Server
	fakeQuery   = posthogtest.Query
)

const (
	body401 = posthogtest.Body401
	body404 = posthogtest.Body404
	body500 = posthogtest.Body500
)

var (
	body403 = posthogtest.Body403
	body429 = posthogtest.Body429
	body400 = posthogtest.Body400
)

func newFakePostHog(t testing.TB) *fakePostHog { return posthogtest.New(t, testKey) }
