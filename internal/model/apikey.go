package model

import (
	"slices"
	"strings"
	"time"
)

// Scope is what an API key may do.
type Scope string

// The scopes an API key can hold.
const (
	ScopeRead   Scope = "read"   // published actions, counts and tags: what the site shows
	ScopePeople Scope = "people" // supporters and what they did: personal data
	ScopeWrite  Scope = "write"  // record signatures and outreaches
)

// Scopes lists every scope, in the order they are written.
var Scopes = []Scope{ScopeRead, ScopePeople, ScopeWrite}

// APIKey is a key to the API. The store keeps the SHA-256 of the key,
// never the key, which is shown once when it is made.
type APIKey struct {
	ID        int64
	Name      string
	Hash      []byte
	Scopes    []Scope
	Created   time.Time
	CreatedBy string // the staff member's email, or "" from the command line
	LastUsed  time.Time
	Revoked   time.Time
}

// Has reports whether the key holds scope s.
func (k APIKey) Has(s Scope) bool { return slices.Contains(k.Scopes, s) }

// Active reports whether the key may still be used.
func (k APIKey) Active() bool { return k.Revoked.IsZero() }

// ParseScopes reads a comma-separated list of scopes ("read,people"),
// each once, in the order of Scopes; an unknown one is an error naming it.
func ParseScopes(list string) ([]Scope, error) {
	seen := map[Scope]bool{}
	for part := range strings.SplitSeq(list, ",") {
		s := Scope(strings.ToLower(strings.TrimSpace(part)))
		if s == "" {
			continue
		}
		if !slices.Contains(Scopes, s) {
			return nil, &ScopeError{Scope: string(s)}
		}
		seen[s] = true
	}
	var out []Scope
	for _, s := range Scopes {
		if seen[s] {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, &ScopeError{}
	}
	return out, nil
}

// ScopeError is a scope list that names an unknown scope, or none.
type ScopeError struct{ Scope string }

func (e *ScopeError) Error() string {
	if e.Scope == "" {
		return "no scope given: want one or more of read, people, write"
	}
	return "unknown scope " + e.Scope + ": want read, people or write"
}

// JoinScopes writes scopes as ParseScopes reads them.
func JoinScopes(scopes []Scope) string {
	parts := make([]string, len(scopes))
	for i, s := range scopes {
		parts[i] = string(s)
	}
	return strings.Join(parts, ",")
}

// Tag is a theme that actions, cases and news carry.
type Tag struct {
	ID   int64
	Name string
}
