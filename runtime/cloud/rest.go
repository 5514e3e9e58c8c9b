package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const maxRESTBody = 32 << 20

// APIError is a non-2xx answer of a Google REST API.
type APIError struct {
	Service string // "firestore", "bigquery"
	Code    int    // HTTP status
	Status  string // e.g. NOT_FOUND, ABORTED (Firestore) or a BigQuery reason
	Message string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.Service, e.Code)
	if e.Status != "" {
		s += " " + e.Status
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// restClient is the shared JSON-over-HTTP part of the REST backends.
type restClient struct {
	service string
	client  *http.Client
	tokens  TokenSource
}

func (c *restClient) httpClient() *http.Client {
	if c.client != nil {
		return c.client
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// do sends body (JSON, if not nil) and decodes a 2xx answer into out (if not nil).
func (c *restClient) do(ctx context.Context, method, target string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s: encode request: %w", c.service, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return fmt.Errorf("%s: %w", c.service, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.tokens != nil {
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			return fmt.Errorf("%s: credentials: %w", c.service, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", c.service, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxRESTBody))
	if err != nil {
		return fmt.Errorf("%s: read response: %w", c.service, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.apiError(resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: decode response: %w", c.service, err)
	}
	return nil
}

// apiError reads Google's error envelope {"error": {"code", "message", "status", "errors":
// [{"reason"}]}}.
func (c *restClient) apiError(code int, body []byte) error {
	var env struct {
		Error struct {
			Message string `json:"message"`
			Status  string `json:"status"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	e := &APIError{Service: c.service, Code: code}
	if json.Unmarshal(body, &env) == nil {
		e.Message, e.Status = env.Error.Message, env.Error.Status
		if e.Status == "" && len(env.Error.Errors) > 0 {
			e.Status = env.Error.Errors[0].Reason
		}
	} else {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		e.Message = msg
	}
	return e
}

func isStatus(err error, code int, status string) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == code || (status != "" && ae.Status == status))
}
