package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/tagd-dev/tagd/runtime/outbox"
)

// OutboxItem is the admin API's view of one outbox item: the stored item (body in base64)
// plus the body as text when it is valid UTF-8.
type OutboxItem struct {
	Item     *outbox.Item `json:"item"`
	BodyText *string      `json:"body_text,omitempty"`
}

// mountOutbox adds the outbox API to the admin /api router (which checks the token):
//
//	GET    /api/outbox                      stats
//	GET    /api/outbox/items?state=&tag=&host=&limit=
//	GET    /api/outbox/items/{id}           one item with its request
//	POST   /api/outbox/items/{id}/replay    send a dead letter again (or a pending one now)
//	DELETE /api/outbox/items/{id}           drop it
//	POST   /api/outbox/replay?tag=&host=    replay every matching dead letter
//	POST   /api/outbox/drop?state=&tag=&host=  drop every match (state is required)
func mountOutbox(api *mux.Router, ob *outbox.Outbox) {
	api.HandleFunc("/outbox", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, ob.Stats())
	}).Methods(http.MethodGet)
	api.HandleFunc("/outbox/items", func(w http.ResponseWriter, r *http.Request) {
		f, err := outboxFilter(r, false)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		items, err := ob.List(f)
		if err != nil {
			writeOutboxError(w, err)
			return
		}
		if items == nil {
			items = []outbox.Summary{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items})
	}).Methods(http.MethodGet)
	api.HandleFunc("/outbox/items/{id:[0-9]+}", func(w http.ResponseWriter, r *http.Request) {
		it, err := ob.Get(itemID(r))
		if err != nil {
			writeOutboxError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, ItemView(it))
	}).Methods(http.MethodGet)
	api.HandleFunc("/outbox/items/{id:[0-9]+}", func(w http.ResponseWriter, r *http.Request) {
		if err := ob.Drop(itemID(r)); err != nil {
			writeOutboxError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"dropped": 1})
	}).Methods(http.MethodDelete)
	api.HandleFunc("/outbox/items/{id:[0-9]+}/replay", func(w http.ResponseWriter, r *http.Request) {
		it, err := ob.Replay(itemID(r))
		if err != nil {
			writeOutboxError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"replayed": 1, "item": it.Summary(0)})
	}).Methods(http.MethodPost)
	api.HandleFunc("/outbox/replay", func(w http.ResponseWriter, r *http.Request) {
		f, err := outboxFilter(r, false)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		n, err := ob.ReplayAll(f)
		if err != nil {
			writeOutboxError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"replayed": n})
	}).Methods(http.MethodPost)
	api.HandleFunc("/outbox/drop", func(w http.ResponseWriter, r *http.Request) {
		f, err := outboxFilter(r, true)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		n, err := ob.DropAll(f)
		if err != nil {
			writeOutboxError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"dropped": n})
	}).Methods(http.MethodPost)
}

// ItemView renders an item for the API.
func ItemView(it *outbox.Item) OutboxItem {
	v := OutboxItem{Item: it}
	if utf8.Valid(it.Body) {
		s := string(it.Body)
		v.BodyText = &s
	}
	return v
}

func itemID(r *http.Request) uint64 {
	id, _ := strconv.ParseUint(mux.Vars(r)["id"], 10, 64) // the route allows digits only
	return id
}

// outboxFilter reads state, tag, host and limit. needState requires an explicit state
// ("all" for both), so that one mistyped request cannot drop everything by accident.
func outboxFilter(r *http.Request, needState bool) (outbox.Filter, error) {
	q := r.URL.Query()
	f := outbox.Filter{Tag: q.Get("tag"), Host: q.Get("host")}
	switch s := q.Get("state"); s {
	case "all":
	case "":
		if needState {
			return f, errors.New(`state is required: pending, dead or all`)
		}
	case string(outbox.Pending), string(outbox.Dead):
		f.State = outbox.State(s)
	default:
		return f, fmt.Errorf("state %q: want pending, dead or all", s)
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return f, fmt.Errorf("limit %q: want a non-negative integer", l)
		}
		f.Limit = n
	}
	return f, nil
}

func writeOutboxError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, outbox.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, outbox.ErrClosed):
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, map[string]any{"error": err.Error()})
}
