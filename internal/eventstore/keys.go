package eventstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrForgotten is what Open answers once the person's key was deleted: the
// sealed bytes can never be opened again.
var ErrForgotten = errors.New("eventstore: the person was forgotten")

// sealVersion is the first byte of every sealed value: AES-256-GCM with a
// 12-byte random nonce and the person id as additional data.
const sealVersion = 1

// Keys is the key store of personal data: one random 256-bit key per person,
// in a JetStream key-value bucket beside (never inside) the event stream.
// Personal data in events is sealed with the person's key; forgetting the
// person erases the key, and with it every way to read what was sealed,
// without rewriting the log.
type Keys struct {
	kv     jetstream.KeyValue
	stream jetstream.Stream // the bucket's own stream, to erase revisions
	mu     sync.RWMutex
	cache  map[string][]byte
	// drops counts forgettings seen; a key read from the bucket is cached
	// only if none happened meanwhile, so a read racing a Forget cannot
	// put the forgotten key back.
	drops uint64
	stop  context.CancelFunc
	done  chan struct{}
}

// keysBucket is the name of the key bucket of stream.
func keysBucket(stream string) string { return stream + "_KEYS" }

// openKeys creates or opens the key bucket and starts watching it so that a
// key forgotten by another instance leaves this one's cache too.
//
// The bucket's stream is made here rather than with CreateKeyValue: that
// sets DenyDelete, which can never be turned off again, and a key's bytes
// can only be erased from disk by deleting its messages (SecureDeleteMsg).
func (s *Store) openKeys(ctx context.Context) (*Keys, error) {
	bucket := keysBucket(s.cfg.Stream)
	cfg := jetstream.StreamConfig{
		Name:              "KV_" + bucket,
		Description:       "Ohjaamo personal data keys: deleting one forgets a person",
		Subjects:          []string{"$KV." + bucket + ".>"},
		MaxMsgsPerSubject: 1, // history 1
		MaxBytes:          -1,
		MaxMsgSize:        -1,
		MaxMsgs:           -1,
		MaxConsumers:      -1,
		Storage:           jetstream.FileStorage,
		Replicas:          s.cfg.Replicas,
		AllowRollup:       true,
		DenyDelete:        false,
		Duplicates:        2 * time.Minute,
		// Reads through the leader, as for the event stream: a key just
		// made elsewhere must not read as absent (that reads as forgotten).
		AllowDirect: false,
		Discard:     jetstream.DiscardNew,
	}
	if existing, err := s.js.Stream(ctx, cfg.Name); err == nil {
		if have := existing.CachedInfo().Config.Replicas; have > cfg.Replicas {
			cfg.Replicas = have
		}
	}
	stream, err := s.js.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create or update key bucket %s: %w", bucket, err)
	}
	kv, err := s.js.KeyValue(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("key bucket %s: %w", bucket, err)
	}
	k := &Keys{kv: kv, stream: stream, cache: map[string][]byte{}, done: make(chan struct{})}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	k.stop = cancel
	// Any change of a key drops it from the cache (MetaOnly keeps the keys
	// themselves off the watch).
	w, err := kv.WatchAll(wctx, jetstream.MetaOnly(), jetstream.UpdatesOnly())
	if err != nil {
		cancel()
		return nil, fmt.Errorf("watch key bucket %s: %w", bucket, err)
	}
	go func() {
		defer close(k.done)
		defer func() { _ = w.Stop() }()
		for {
			select {
			case <-wctx.Done():
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e != nil { // a forgetting (tombstone), or a key made elsewhere
					k.drop(e.Key())
				}
			}
		}
	}()
	return k, nil
}

// Keys is the store's key store of personal data.
func (s *Store) Keys() *Keys { return s.keys }

func (k *Keys) close() {
	if k == nil {
		return
	}
	k.stop()
	<-k.done
}

func (k *Keys) drop(personID string) {
	k.mu.Lock()
	delete(k.cache, personID)
	k.drops++
	k.mu.Unlock()
}

// key answers the person's key, making it when create is set and there is none.
func (k *Keys) key(ctx context.Context, personID string, create bool) ([]byte, error) {
	k.mu.RLock()
	key, ok := k.cache[personID]
	drops := k.drops
	k.mu.RUnlock()
	if ok {
		return key, nil
	}
	e, err := k.kv.Get(ctx, personID)
	switch {
	case err == nil && string(e.Value()) == tombstone:
		return nil, ErrForgotten
	case err == nil:
		key = e.Value()
	case errors.Is(err, jetstream.ErrKeyNotFound) && create:
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return nil, err
		}
		if _, err := k.kv.Create(ctx, personID, fresh); err == nil {
			key = fresh
		} else if errors.Is(err, jetstream.ErrKeyExists) { // another writer made it first, or forgot the person
			if e, err = k.kv.Get(ctx, personID); err != nil {
				return nil, fmt.Errorf("read key of %s: %w", personID, err)
			}
			if string(e.Value()) == tombstone {
				return nil, ErrForgotten
			}
			key = e.Value()
		} else {
			return nil, fmt.Errorf("create key of %s: %w", personID, err)
		}
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return nil, ErrForgotten
	default:
		return nil, fmt.Errorf("read key of %s: %w", personID, err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("key of %s: %d bytes, want 32", personID, len(key))
	}
	k.mu.Lock()
	if k.drops == drops {
		k.cache[personID] = key
	}
	k.mu.Unlock()
	return key, nil
}

func aead(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal encrypts plaintext with the person's key, making the key on first use.
func (k *Keys) Seal(ctx context.Context, personID string, plaintext []byte) ([]byte, error) {
	if personID == "" {
		return nil, errors.New("eventstore: seal without a person id")
	}
	key, err := k.key(ctx, personID, true)
	if err != nil {
		return nil, err
	}
	g, err := aead(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+g.NonceSize(), 1+g.NonceSize()+len(plaintext)+g.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return g.Seal(out, out[1:], plaintext, []byte(personID)), nil
}

// Open decrypts what Seal made for personID. It answers ErrForgotten when
// the person's key is gone, and an error when the bytes were changed or
// sealed for someone else.
func (k *Keys) Open(ctx context.Context, personID string, sealed []byte) ([]byte, error) {
	if len(sealed) == 0 || sealed[0] != sealVersion {
		return nil, fmt.Errorf("eventstore: sealed data of %s: unknown version", personID)
	}
	key, err := k.key(ctx, personID, false)
	if err != nil {
		return nil, err
	}
	g, err := aead(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < 1+g.NonceSize()+g.Overhead() {
		return nil, fmt.Errorf("eventstore: sealed data of %s: too short", personID)
	}
	nonce := sealed[1 : 1+g.NonceSize()]
	plain, err := g.Open(nil, nonce, sealed[1+g.NonceSize():], []byte(personID))
	if err != nil {
		return nil, fmt.Errorf("eventstore: sealed data of %s: %w", personID, err)
	}
	return plain, nil
}

// tombstone is what a forgotten person's key is replaced with: it reads as
// forgotten, and no new key can be made under the person's id (a purge
// marker would let kv.Create make one).
const tombstone = "forgotten"

// Forget erases the person's key: every stored revision of it is
// overwritten on disk (SecureDeleteMsg), then a tombstone takes its place,
// which reads as forgotten, keeps a new key from being made for the person,
// and tells the other instances' watches to drop it. Forgetting a person
// without a key (never sealed) leaves a tombstone too; forgetting again
// does nothing.
func (k *Keys) Forget(ctx context.Context, personID string) error {
	k.drop(personID)
	hist, err := k.kv.History(ctx, personID)
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("history of key %s: %w", personID, err)
	}
	for _, e := range hist {
		if e.Operation() != jetstream.KeyValuePut {
			continue
		}
		if string(e.Value()) == tombstone {
			return nil // forgotten before
		}
		if err := k.stream.SecureDeleteMsg(ctx, e.Revision()); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return fmt.Errorf("erase key %s revision %d: %w", personID, e.Revision(), err)
		}
	}
	if _, err := k.kv.Put(ctx, personID, []byte(tombstone)); err != nil {
		return fmt.Errorf("tombstone of key %s: %w", personID, err)
	}
	k.drop(personID)
	return nil
}

// KeyForTest answers the person's key as stored (nil when there is none),
// for tests that look for its bytes on disk.
func (k *Keys) KeyForTest(ctx context.Context, personID string) []byte {
	e, err := k.kv.Get(ctx, personID)
	if err != nil || string(e.Value()) == tombstone {
		return nil
	}
	return append([]byte(nil), e.Value()...)
}
