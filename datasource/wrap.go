package datasource

import (
	"context"
	"strings"
)

// Wrapper is the pass-through base of a decorator: a decorator embeds it
// and writes only the methods it changes; the rest reach Inner unchanged.
// It forwards no optional capability (CohortLister, Checker, Pacer): a
// decorator that merely passed them on would claim them for sources that
// lack them, so As and Capabilities find them through Unwrap instead.
type Wrapper struct {
	// Inner is the wrapped source.
	Inner Source
}

// Wrap returns the pass-through base over inner.
func Wrap(inner Source) Wrapper { return Wrapper{Inner: inner} }

// Unwrap returns the wrapped source.
func (w Wrapper) Unwrap() Source { return w.Inner }

// Snapshot passes through.
func (w Wrapper) Snapshot(ctx context.Context, q Query) (*Snapshot, error) {
	return w.Inner.Snapshot(ctx, q)
}

// Values passes through.
func (w Wrapper) Values(ctx context.Context, q ValuesQuery) ([]ValueCount, error) {
	return w.Inner.Values(ctx, q)
}

// Properties passes through.
func (w Wrapper) Properties(ctx context.Context) ([]Property, error) {
	return w.Inner.Properties(ctx)
}

// Events passes through.
func (w Wrapper) Events(ctx context.Context, q EventsQuery) ([]Event, error) {
	return w.Inner.Events(ctx, q)
}

// Installations passes through.
func (w Wrapper) Installations(ctx context.Context, q InstallationsQuery) ([]Installation, error) {
	return w.Inner.Installations(ctx, q)
}

// Breakdown passes through.
func (w Wrapper) Breakdown(ctx context.Context, q BreakdownQuery) ([]ValueCount, error) {
	return w.Inner.Breakdown(ctx, q)
}

// Info is the wrapped source's: a decorator is no source of its own.
func (w Wrapper) Info() Info { return w.Inner.Info() }

var _ Source = Wrapper{}

// Unwrapper is implemented by decorators: Unwrap returns the source they
// wrap.
type Unwrapper interface {
	Unwrap() Source
}

// Caps is a set of the optional capabilities a Source may offer.
type Caps uint8

// The optional capabilities, one bit each.
const (
	// CanListCohorts: the source keeps its own cohorts (CohortLister).
	CanListCohorts Caps = 1 << iota
	// CanCheck: the source diagnoses its own setup (Checker).
	CanCheck
	// CanPace: the source has a request budget (Pacer).
	CanPace
)

// Has reports whether every capability of c is in s.
func (s Caps) Has(c Caps) bool { return c != 0 && s&c == c }

// String lists the set's capabilities by interface name, for logs and
// test failures.
func (s Caps) String() string {
	var names []string
	for _, c := range []struct {
		c    Caps
		name string
	}{{CanListCohorts, "CohortLister"}, {CanCheck, "Checker"}, {CanPace, "Pacer"}} {
		if s.Has(c.c) {
			names = append(names, c.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// Relayer is implemented by a decorator that implements a capability only
// to change how the wrapped source's works (pacing its cohort lookups,
// sharing them). Relays names those capabilities; As and Capabilities
// count them only where the wrapped source offers them, so the decorator
// needs no variant type per combination of what it may wrap.
type Relayer interface {
	Relays() Caps
}

// capOf is the capability bit of the interface T; 0 for any other type.
func capOf[T any]() Caps {
	switch any((*T)(nil)).(type) {
	case *CohortLister:
		return CanListCohorts
	case *Checker:
		return CanCheck
	case *Pacer:
		return CanPace
	}
	return 0
}

// As finds, in src and the sources it wraps (through Unwrap), the
// outermost one that is a T, as errors.As does for errors: the
// decorators above it then do not change how T behaves. A layer that
// relays T (Relayer) counts only when a source beneath it offers T.
// Callers ask As, never src.(T), so a decorator neither hides a
// capability of the source it wraps nor claims one that source lacks.
func As[T any](src Source) (T, bool) {
	var zero T
	c := capOf[T]()
	for src != nil {
		if t, ok := src.(T); ok {
			if r, ok := src.(Relayer); ok && c != 0 && r.Relays()&c != 0 {
				if _, below := As[T](unwrap(src)); !below {
					return zero, false
				}
			}
			return t, true
		}
		src = unwrap(src)
	}
	return zero, false
}

// Capabilities is the set of optional capabilities src offers, looking
// through its decorators as As does.
func Capabilities(src Source) Caps {
	var s Caps
	if _, ok := As[CohortLister](src); ok {
		s |= CanListCohorts
	}
	if _, ok := As[Checker](src); ok {
		s |= CanCheck
	}
	if _, ok := As[Pacer](src); ok {
		s |= CanPace
	}
	return s
}

// unwrap is the source src wraps; nil when src is no decorator.
func unwrap(src Source) Source {
	if u, ok := src.(Unwrapper); ok {
		return u.Unwrap()
	}
	return nil
}
