package sandbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CheckoutTokenField is the hidden form field of the checkout page. A card
// is saved only by a POST that carries the token the page's own GET handed
// out: a webhook delivery, or any request that did not load the page, cannot
// save one (docs/api.md, "Checkout page").
const CheckoutTokenField = "checkout_token"

const checkoutTokenTTL = time.Hour

// checkoutToken binds a session id to an expiry with the state's key, so any
// process sharing the state file can check it.
func (s *Server) checkoutToken(session string, now time.Time) string {
	exp := strconv.FormatInt(now.Add(checkoutTokenTTL).Unix(), 10)
	return exp + "." + s.checkoutMAC(session, exp)
}

func (s *Server) checkoutMAC(session, exp string) string {
	m := hmac.New(sha256.New, s.st.jwtKey)
	m.Write([]byte("checkout\x00" + session + "\x00" + exp))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Server) validCheckoutToken(session, tok string, now time.Time) bool {
	exp, mac, ok := strings.Cut(tok, ".")
	if !ok {
		return false
	}
	secs, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() > secs {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(s.checkoutMAC(session, exp)))
}

// CompleteCheckout does what a human does on the checkout page at pageURL:
// load it, then submit its form. The demo and tests use it.
func CompleteCheckout(ctx context.Context, hc *http.Client, pageURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pageURL, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return err
	}
	m := checkoutTokenRE().FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		return fmt.Errorf("checkout page answered %d without a form", resp.StatusCode)
	}
	form := url.Values{"card": {"4242424242424242"}, CheckoutTokenField: {string(m[1])}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, pageURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = hc.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("checkout answered %d", resp.StatusCode)
	}
	return nil
}

// Compiled on first use: a server without --sandbox never needs it.
var checkoutTokenRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`name="` + CheckoutTokenField + `" value="([0-9a-f.]+)"`)
})
