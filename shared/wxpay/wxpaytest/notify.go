package wxpaytest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"
)

// notice is one notification (one id); copies and retries post the same
// body with fresh signature headers.
type notice struct {
	id, url, eventType string
	body               []byte
}

// Delivery is one POST of a notification.
type Delivery struct {
	NoticeID  string    `json:"notice_id"`
	EventType string    `json:"event_type"`
	URL       string    `json:"url"`
	Copy      int       `json:"copy"`    // 0 for the first copy of a duplicated notice
	Attempt   int       `json:"attempt"` // 1 for the first try
	Status    int       `json:"status"`  // 0 on a transport error
	Err       string    `json:"error,omitempty"`
	Forged    string    `json:"forged,omitempty"` // ForgeSignature or ForgeStaleTimestamp
	At        time.Time `json:"at"`
}

// Forgeries for ForgeNext.
const (
	ForgeSignature      = "signature"       // signed with a wrong key
	ForgeStaleTimestamp = "stale_timestamp" // validly signed, 10 minutes old
)

type notifyFaults struct {
	duplicate int           // copies of the next notification
	delay     time.Duration // before every delivery while set
	hold      bool
	forge     []string // forgeries of the first attempt of the next notifications
	// Sustained chaos (SetNotifyChaos): each notification is sent twice
	// with probability dupRate, and each copy waits a random time up to
	// maxJitter more, so copies and notifications arrive out of order.
	dupRate   float64
	maxJitter time.Duration
}

// NewNotificationBody builds a notification body in WeChat Pay's exact
// format: plain (JSON-encoded) encrypted with AEAD_AES_256_GCM under the
// APIv3 key, a 12-character nonce and associated data originalType.
func NewNotificationBody(id, eventType, summary, originalType string, plain any, created time.Time) ([]byte, error) {
	pt, err := json.Marshal(plain)
	if err != nil {
		return nil, err
	}
	return notificationBody(DevAPIv3Key, randomAlnum(12), id, eventType, summary, originalType, pt, created)
}

// notification is a notification body, its fields in the order of WeChat
// Pay's documented examples so that a body can match one byte for byte.
type notification struct {
	ID           string   `json:"id"`
	CreateTime   string   `json:"create_time"`
	ResourceType string   `json:"resource_type"`
	EventType    string   `json:"event_type"`
	Summary      string   `json:"summary"`
	Resource     resource `json:"resource"`
}

type resource struct {
	OriginalType   string `json:"original_type"`
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"`
}

// notificationBody is NewNotificationBody with the key and nonce given:
// the associated data is originalType, as WeChat Pay sends it.
func notificationBody(apiV3Key, nonce, id, eventType, summary, originalType string, plain []byte, created time.Time) ([]byte, error) {
	ct, err := encryptResource(apiV3Key, nonce, originalType, plain)
	if err != nil {
		return nil, err
	}
	return json.Marshal(notification{ID: id, CreateTime: rfc3339(created), ResourceType: "encrypt-resource",
		EventType: eventType, Summary: summary, Resource: resource{OriginalType: originalType,
			Algorithm: "AEAD_AES_256_GCM", Ciphertext: ct, AssociatedData: originalType, Nonce: nonce}})
}

// encryptResource is AEAD_AES_256_GCM as WeChat Pay applies it to a
// notification resource: the key is the APIv3 key's bytes, the nonce and
// associated data are the strings' bytes, and the base64 ciphertext ends
// with the 16-byte tag.
func encryptResource(apiV3Key, nonce, associatedData string, plaintext []byte) (string, error) {
	block, err := aes.NewCipher([]byte(apiV3Key))
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	if len(nonce) != gcm.NonceSize() {
		return "", fmt.Errorf("wxpaytest: nonce must be %d bytes", gcm.NonceSize())
	}
	return base64.StdEncoding.EncodeToString(gcm.Seal(nil, []byte(nonce), plaintext, []byte(associatedData))), nil
}

// SignNotification sets the Wechatpay-* headers of a notification request
// as WeChat Pay does (platform key, current time); forge is "",
// ForgeSignature or ForgeStaleTimestamp.
func SignNotification(h http.Header, body []byte, forge string) {
	key, ts := PlatformPrivateKey(), time.Now().Unix()
	switch forge {
	case ForgeSignature:
		key = MerchantPrivateKey()
	case ForgeStaleTimestamp:
		ts -= 600
	}
	signHeaders(h, key, ts, body)
	h.Set("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
	h.Set("Content-Type", "application/json")
	h.Set("Request-ID", randomHex(32))
}

// NewNotificationRequest is a signed notification request for url, for
// tests that call a handler directly.
func NewNotificationRequest(url, eventType, summary, originalType string, plain any, forge string) (*http.Request, error) {
	body, err := NewNotificationBody("EV-"+randomHex(20), eventType, summary, originalType, plain, time.Now())
	if err != nil {
		return nil, err
	}
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	SignNotification(r.Header, body, forge)
	return r, nil
}

// newNotice builds a notification for url (f.mu held); an empty url (a
// transfer without notify_url) makes none.
func (f *Fake) newNotice(url, eventType, summary, originalType string, plain any) *notice {
	if url == "" {
		return nil
	}
	id := "EV-" + randomHex(24)
	body, err := NewNotificationBody(id, eventType, summary, originalType, plain, f.nowCST())
	if err != nil {
		panic("wxpaytest: notification: " + err.Error())
	}
	return &notice{id: id, url: url, eventType: eventType, body: body}
}

// dispatch sends notices in the background, applying the notification
// faults (hold, duplicate, forge, delay).
func (f *Fake) dispatch(notices []*notice) {
	for _, n := range notices {
		if n == nil {
			continue
		}
		f.mu.Lock()
		f.stats.NotificationsSent++
		if f.notifyCtl.hold {
			f.held = append(f.held, n)
			f.mu.Unlock()
			continue
		}
		f.mu.Unlock()
		f.send(n)
	}
}

// send starts the copies of one notice.
func (f *Fake) send(n *notice) {
	f.mu.Lock()
	copies := 1 + f.notifyCtl.duplicate
	f.notifyCtl.duplicate = 0
	if f.notifyCtl.dupRate > 0 && rand.Float64() < f.notifyCtl.dupRate {
		copies++
	}
	jitter := f.notifyCtl.maxJitter
	forge := ""
	if len(f.notifyCtl.forge) > 0 {
		forge, f.notifyCtl.forge = f.notifyCtl.forge[0], f.notifyCtl.forge[1:]
	}
	delay := f.notifyCtl.delay
	f.mu.Unlock()
	for c := 0; c < copies; c++ {
		f.inflight.Add(1)
		go func(c int) {
			defer f.inflight.Add(-1)
			d := delay
			if jitter > 0 {
				d += rand.N(jitter)
			}
			f.deliver(n, c, forge, d)
		}(c)
	}
}

// deliver posts one copy, retrying a refused one after each of the retry
// delays; only the first attempt carries a forgery.
func (f *Fake) deliver(n *notice, copyNo int, forge string, delay time.Duration) {
	if !f.sleep(delay) {
		return
	}
	for attempt := 1; attempt <= len(f.retryDelays)+1; attempt++ {
		if attempt > 1 && !f.sleep(f.retryDelays[attempt-2]) {
			return
		}
		fg := ""
		if attempt == 1 {
			fg = forge
		}
		status, err := f.post(n, fg)
		d := Delivery{NoticeID: n.id, EventType: n.eventType, URL: n.url, Copy: copyNo, Attempt: attempt,
			Status: status, Forged: fg, At: time.Now()}
		if err != nil {
			d.Err = err.Error()
		}
		ok := err == nil && status >= 200 && status < 300
		f.mu.Lock()
		f.deliveries = append(f.deliveries, d)
		f.stats.DeliveryAttempts++
		if ok {
			f.stats.DeliveriesOK++
		} else {
			f.stats.DeliveriesFailed++
		}
		f.mu.Unlock()
		if ok {
			return
		}
	}
}

func (f *Fake) sleep(d time.Duration) bool {
	if d <= 0 {
		return f.ctx.Err() == nil
	}
	select {
	case <-f.ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func (f *Fake) post(n *notice, forge string) (int, error) {
	req, err := http.NewRequestWithContext(f.ctx, http.MethodPost, n.url, bytes.NewReader(n.body))
	if err != nil {
		return 0, err
	}
	SignNotification(req.Header, n.body, forge)
	req.Header.Set("User-Agent", "Mozilla/4.0 (wxpaytest)")
	resp, err := f.notifyClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var buf [512]byte
	_, _ = resp.Body.Read(buf[:])
	return resp.StatusCode, nil
}

// DuplicateNext delivers the next notification n times (concurrently, as
// WeChat Pay's second link does).
func (f *Fake) DuplicateNext(n int) {
	f.mu.Lock()
	f.notifyCtl.duplicate = max(0, n-1)
	f.mu.Unlock()
}

// SetNotifyDelay delays every delivery by d (0 turns it off).
func (f *Fake) SetNotifyDelay(d time.Duration) {
	f.mu.Lock()
	f.notifyCtl.delay = d
	f.mu.Unlock()
}

// SetNotifyChaos sends a fraction dupRate (0..1) of the notifications
// twice and delays every copy by a random time up to maxJitter, until it
// is called with zeros (scripts/chaos).
func (f *Fake) SetNotifyChaos(dupRate float64, maxJitter time.Duration) {
	f.mu.Lock()
	f.notifyCtl.dupRate, f.notifyCtl.maxJitter = min(max(dupRate, 0), 1), max(maxJitter, 0)
	f.mu.Unlock()
}

// ForgeNext makes the first delivery attempt of the next notification
// forged (ForgeSignature or ForgeStaleTimestamp); the retries that follow
// its refusal are genuine.
func (f *Fake) ForgeNext(kind string) error {
	if kind != ForgeSignature && kind != ForgeStaleTimestamp {
		return fmt.Errorf("wxpaytest: unknown forgery %q", kind)
	}
	f.mu.Lock()
	f.notifyCtl.forge = append(f.notifyCtl.forge, kind)
	f.mu.Unlock()
	return nil
}

// HoldNotifications queues notifications instead of sending them, until
// ReleaseNotifications.
func (f *Fake) HoldNotifications() {
	f.mu.Lock()
	f.notifyCtl.hold = true
	f.mu.Unlock()
}

// ReleaseNotifications stops holding and sends the held notifications one
// after the other (each delivered, retries included, before the next), in
// reverse order when reverse (out-of-order delivery); it says how many.
func (f *Fake) ReleaseNotifications(reverse bool) int {
	f.mu.Lock()
	held := f.held
	f.held, f.notifyCtl.hold = nil, false
	f.mu.Unlock()
	if reverse {
		slices.Reverse(held)
	}
	f.inflight.Add(1)
	go func() {
		defer f.inflight.Add(-1)
		for _, n := range held {
			f.deliver(n, 0, "", 0)
		}
	}()
	return len(held)
}

// Deliveries is the log of notification POSTs so far.
func (f *Fake) Deliveries() []Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Delivery(nil), f.deliveries...)
}
