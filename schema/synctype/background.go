package synctype

import "context"

type backgroundKey struct{}

// WithBackground returns ctx marking its requests as background work (the
// census): the key's pacer admits them only while the rolling window keeps
// room for the foreground classes' shares (polls, sweeps), so that a big
// census never holds the polls back.
func WithBackground(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// IsBackground reports whether ctx carries WithBackground's mark.
func IsBackground(ctx context.Context) bool {
	b, _ := ctx.Value(backgroundKey{}).(bool)
	return b
}
