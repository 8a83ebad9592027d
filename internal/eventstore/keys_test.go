package eventstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

func TestKeysSealOpenForget(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *eventstore.Store) {
		ctx := context.Background()
		k := s.Keys()
		const person, other = "7d0c7c4e-0000-4000-8000-000000000001", "7d0c7c4e-0000-4000-8000-000000000002"
		plain := []byte("Forgetta Unohdettava")
		sealed, err := k.Seal(ctx, person, plain)
		if err != nil {
			t.Fatal(err)
		}
		if sealed[0] != 1 || bytes.Contains(sealed, plain) {
			t.Fatalf("sealed = %x: want version 1 and no plaintext", sealed)
		}
		again, err := k.Seal(ctx, person, plain)
		if err != nil || bytes.Equal(again, sealed) {
			t.Fatalf("a second seal must use a fresh nonce: %x, %v", again, err)
		}
		if got, err := k.Open(ctx, person, sealed); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("open = %q, %v", got, err)
		}
		tampered := bytes.Clone(sealed)
		tampered[len(tampered)-1] ^= 1
		if _, err := k.Open(ctx, person, tampered); err == nil || errors.Is(err, eventstore.ErrForgotten) {
			t.Fatalf("tampered bytes opened: %v", err)
		}
		if _, err := k.Seal(ctx, other, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Open(ctx, other, sealed); err == nil || errors.Is(err, eventstore.ErrForgotten) {
			t.Fatalf("bytes sealed for another person opened: %v", err)
		}
		if _, err := k.Open(ctx, person, append([]byte{9}, sealed[1:]...)); err == nil {
			t.Fatal("an unknown version opened")
		}

		if err := k.Forget(ctx, person); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Open(ctx, person, sealed); !errors.Is(err, eventstore.ErrForgotten) {
			t.Fatalf("open after forget: %v, want ErrForgotten", err)
		}
		if err := k.Forget(ctx, person); err != nil {
			t.Fatalf("forgetting twice: %v", err)
		}
		// No new key is made under a forgotten person's id: what was sealed
		// after would be readable again.
		if _, err := k.Seal(ctx, person, []byte("uusi")); !errors.Is(err, eventstore.ErrForgotten) {
			t.Fatalf("seal for a forgotten person: %v, want ErrForgotten", err)
		}
		never := "6f0c2a4e-0000-4000-8000-0000000000ee"
		if err := k.Forget(ctx, never); err != nil {
			t.Fatalf("forgetting a person who never had a key: %v", err)
		}
		if _, err := k.Seal(ctx, never, []byte("uusi")); !errors.Is(err, eventstore.ErrForgotten) {
			t.Fatalf("seal for a person forgotten before they had a key: %v, want ErrForgotten", err)
		}
		if _, err := k.Open(ctx, other, mustSeal(t, k, other)); err != nil {
			t.Fatalf("another person's key went too: %v", err)
		}
	})
}

func mustSeal(t *testing.T, k *eventstore.Keys, person string) []byte {
	t.Helper()
	b, err := k.Seal(context.Background(), person, []byte("y"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A key forgotten through one connection leaves the cache of another
// instance (its watch sees the tombstone), and its bytes leave the disk.
func TestForgottenKeyLeavesOtherCachesAndTheDisk(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	a, err := eventstore.Open(ctx, eventstore.Config{DataDir: dir, NATSListen: addr, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	const person = "7d0c7c4e-0000-4000-8000-000000000003"
	sealed, err := a.Keys().Seal(ctx, person, []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	key := a.Keys().KeyForTest(ctx, person)
	if len(key) != 32 {
		t.Fatalf("key = %x", key)
	}
	if !dirHolds(t, dir, key) {
		t.Fatal("the key is not on disk before forgetting: the test looks in the wrong place")
	}
	// A second Keys on the same server: a second instance of the service.
	b, err := eventstore.Open(ctx, eventstore.Config{URL: "nats://" + addr, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if _, err := b.Keys().Open(ctx, person, sealed); err != nil {
		t.Fatal(err)
	}
	if err := a.Keys().Forget(ctx, person); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, func() error {
		if _, err := b.Keys().Open(ctx, person, sealed); !errors.Is(err, eventstore.ErrForgotten) {
			return fmt.Errorf("the other instance still opens a forgotten person's data: %v", err)
		}
		return nil
	})
	if dirHolds(t, dir, key) {
		t.Fatal("the forgotten key's bytes are still on disk")
	}
}

// dirHolds reports whether any file under dir contains needle.
func dirHolds(t *testing.T, dir string, needle []byte) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		found = bytes.Contains(b, needle)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}
