package remote

import (
	"container/list"
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/mask"
)

// Tenants knows, per replica, which keys the HQ accepted and keeps a
// client per (key, PIN) for them, all by hash. Nothing of a key enters
// the cache before the HQ accepted it, so made-up keys cannot push real
// tenants' clients (and their minted tokens) out. An acceptance is trusted
// for ValidFor, a refusal for RefusedFor (a bounded set of hashes: a wrong
// key repeated costs no HQ call). A key not accepted here within KnownFor
// is a stranger: the HQ is asked about it only within the Strangers limit
// of the caller's address.
type Tenants struct {
	NewClient  func(hqclient.Credentials) (*hqclient.Client, error)
	Max        int           // clients kept (LRU), default 10000
	ValidFor   time.Duration // default a minute
	KnownFor   time.Duration // default an hour
	RefusedFor time.Duration // default 10 s
	// Strangers limits, per address, the HQ checks of keys not known here
	// (nil: no limit); Mints, each tenant's JWT mints (nil: no limit).
	Strangers *Strangers
	Mints     *Mints
	Now       func() time.Time

	mu       sync.Mutex
	order    *list.List               // of *entry, most recent first
	entries  map[string]*list.Element // by id
	byKey    map[string][]*list.Element
	accepted map[string]time.Time // key hash -> when the HQ last accepted it
	refused  map[string]time.Time // key hash -> until when a refusal holds
}

// Bounds of the tables: refused hashes, and clients of one key (a PIN
// per client: a tenant changing its PIN header pushes out only its own).
const (
	maxRefused    = 4096
	maxPINsPerKey = 4
)

type entry struct {
	id, kh string // hashes of key and PIN, and of the key
	client *hqclient.Client
	creds  *credentials
	used   time.Time
}

// StrangerError: the caller's address has spent its checks of unknown
// keys; RetryAfter says when it may try again.
type StrangerError struct{ RetryAfter time.Duration }

func (e *StrangerError) Error() string {
	return fmt.Sprintf("too many unknown API keys from this address: retry after %ds", int(math.Ceil(e.RetryAfter.Seconds())))
}

func (ts *Tenants) init() {
	if ts.entries == nil {
		ts.order, ts.entries, ts.byKey = list.New(), map[string]*list.Element{}, map[string][]*list.Element{}
		ts.accepted, ts.refused = map[string]time.Time{}, map[string]time.Time{}
	}
	if ts.Max <= 0 {
		ts.Max = 10000
	}
	if ts.ValidFor <= 0 {
		ts.ValidFor = time.Minute
	}
	if ts.KnownFor <= 0 {
		ts.KnownFor = time.Hour
	}
	if ts.RefusedFor <= 0 {
		ts.RefusedFor = 10 * time.Second
	}
	if ts.Now == nil {
		ts.Now = time.Now
	}
}

// Resolve returns the caller for key and PIN, from addr (the client's
// address), asking the HQ whether the key is valid when this replica has
// not recently. A refused key is ErrBadCredentials; a stranger over its
// address's limit a *StrangerError, without asking; an unreachable HQ
// another error.
func (ts *Tenants) Resolve(ctx context.Context, key, pin, addr string) (*Tenant, error) {
	kh, id := Hash(key), Hash(key+"\x00"+pin)
	ts.mu.Lock()
	ts.init()
	now := ts.Now()
	if until, refused := ts.refused[kh]; refused && now.Before(until) {
		ts.mu.Unlock()
		return nil, ErrBadCredentials
	}
	last, known := ts.accepted[kh]
	e := ts.lookup(id, now)
	ts.mu.Unlock()
	if known && now.Sub(last) < ts.ValidFor {
		if e == nil {
			var err error
			if e, err = ts.newEntry(key, pin, kh, id); err != nil {
				return nil, err
			}
			e = ts.keep(e)
		}
		return e.tenant(key, pin), nil
	}

	done := func(bool) {}
	if ts.Strangers != nil && !(known && now.Sub(last) < ts.KnownFor) {
		d, after, ok := ts.Strangers.Begin(addr)
		if !ok {
			return nil, &StrangerError{RetryAfter: after}
		}
		done = d
	}
	if e == nil { // kept only once the HQ accepts the key
		var err error
		if e, err = ts.newEntry(key, pin, kh, id); err != nil {
			done(false)
			return nil, err
		}
	}
	// Listing orgs is the cheapest call the API key alone authorises.
	_, err := e.client.ListOrgs(ctx)
	if he, isHQ := hqclient.AsError(err); isHQ && (he.Status == http.StatusUnauthorized || he.Status == http.StatusForbidden || he.Code == hqclient.CodeNoAPIKey) {
		done(true)
		ts.refuse(kh)
		return nil, ErrBadCredentials
	}
	done(false)
	if err != nil {
		// The gate logs it: a broken or hostile service may echo the key.
		return nil, mask.New(mask.Secret{Kind: mask.Key, Value: key}, mask.Secret{Kind: mask.PIN, Value: pin}).Err(err)
	}
	ts.mu.Lock()
	ts.accepted[kh] = ts.Now()
	if len(ts.accepted) > 4*ts.Max { // keys accepted an hour ago and idle since
		for k, at := range ts.accepted {
			if now.Sub(at) >= ts.KnownFor {
				delete(ts.accepted, k)
			}
		}
	}
	ts.mu.Unlock()
	return ts.keep(e).tenant(key, pin), nil
}

func (ts *Tenants) newEntry(key, pin, kh, id string) (*entry, error) {
	cr := &credentials{key: key, pin: pin, kh: kh, mints: ts.Mints}
	c, err := ts.NewClient(cr)
	if err != nil {
		return nil, err
	}
	return &entry{id: id, kh: kh, client: c, creds: cr}, nil
}

func (e *entry) tenant(key, pin string) *Tenant {
	return &Tenant{Hash: e.kh, key: key, pin: pin, client: e.client, creds: e.creds}
}

// refuse remembers a refused key, in a bounded set: expired refusals
// leave first, then any (a refusal forgotten costs one HQ call, counted
// against its address). A key refused now (revoked) leaves the cache.
func (ts *Tenants) refuse(kh string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	now := ts.Now()
	delete(ts.accepted, kh)
	for len(ts.byKey[kh]) > 0 {
		ts.drop(ts.byKey[kh][0])
	}
	if len(ts.refused) >= maxRefused {
		for k, until := range ts.refused {
			if len(ts.refused) >= maxRefused || !now.Before(until) {
				delete(ts.refused, k)
			}
		}
	}
	ts.refused[kh] = now.Add(ts.RefusedFor)
}

// lookup is the entry of id, marked used. Called with mu held.
func (ts *Tenants) lookup(id string, now time.Time) *entry {
	el, ok := ts.entries[id]
	if !ok {
		return nil
	}
	ts.order.MoveToFront(el)
	e := el.Value.(*entry)
	e.used = now
	return e
}

// keep adds e unless another request added one first (then that one wins,
// so concurrent first calls still share one mint). A key holds at most
// maxPINsPerKey clients: one that holds no token (its PIN never minted
// one: a wrong PIN) makes room first, then the least used.
func (ts *Tenants) keep(e *entry) *entry {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.init()
	if el, ok := ts.entries[e.id]; ok {
		return el.Value.(*entry)
	}
	e.used = ts.Now()
	if mine := ts.byKey[e.kh]; len(mine) >= maxPINsPerKey {
		worth := func(el *list.Element) bool { return el.Value.(*entry).creds.token() != "" }
		victim := mine[0]
		for _, el := range mine[1:] {
			v, c := victim.Value.(*entry), el.Value.(*entry)
			if w, wv := worth(el), worth(victim); (!w && wv) || (w == wv && c.used.Before(v.used)) {
				victim = el
			}
		}
		ts.drop(victim)
	}
	el := ts.order.PushFront(e)
	ts.entries[e.id] = el
	ts.byKey[e.kh] = append(ts.byKey[e.kh], el)
	for ts.order.Len() > ts.Max {
		ts.drop(ts.order.Back())
	}
	return e
}

// drop forgets a client. Called with mu held.
func (ts *Tenants) drop(el *list.Element) {
	e := el.Value.(*entry)
	ts.order.Remove(el)
	delete(ts.entries, e.id)
	mine := ts.byKey[e.kh]
	for i, m := range mine {
		if m == el {
			mine = append(mine[:i], mine[i+1:]...)
			break
		}
	}
	if len(mine) == 0 {
		delete(ts.byKey, e.kh)
	} else {
		ts.byKey[e.kh] = mine
	}
}

// Len is the number of clients kept.
func (ts *Tenants) Len() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.init()
	return ts.order.Len()
}

var _ hqclient.MintLimiter = (*credentials)(nil)
