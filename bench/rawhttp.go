package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// conn is a minimal keep-alive HTTP/1.1 client connection. The load generator writes
// prebuilt request bytes and reads just enough of the response to know its status and
// where it ends: net/http's client costs several times more CPU per request than a bare
// server, and with one core for the harness it would cap the baseline, not the server.
type conn struct {
	addr string
	c    net.Conn
	r    *bufio.Reader
}

func dial(addr string) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return &conn{addr: addr, c: c, r: bufio.NewReaderSize(c, 16<<10)}, nil
}

func (c *conn) close() {
	if c.c != nil {
		_ = c.c.Close()
		c.c = nil
	}
}

// do sends req and returns the response status. keep is false when the server asked to
// close the connection.
func (c *conn) do(req []byte, deadline time.Time) (status int, keep bool, err error) {
	if c.c == nil {
		nc, err := dial(c.addr)
		if err != nil {
			return 0, false, err
		}
		*c = *nc
	}
	_ = c.c.SetDeadline(deadline)
	if _, err := c.c.Write(req); err != nil {
		return 0, false, fmt.Errorf("write: %w", err)
	}
	return readResponse(c.r)
}

var errMalformed = errors.New("malformed HTTP response")

// readResponse reads one HTTP/1.1 response: status line, headers, and a body delimited by
// Content-Length or chunked encoding (which it discards).
func readResponse(r *bufio.Reader) (status int, keep bool, err error) {
	line, err := readLine(r)
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 204 No Content"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, false, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil || status < 100 {
		return 0, false, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	keep = line[7] == '1'
	length, chunked := -1, false
	for {
		h, err := readLine(r)
		if err != nil {
			return status, false, err
		}
		if len(h) == 0 {
			break
		}
		colon := bytes.IndexByte(h, ':')
		if colon <= 0 {
			return status, false, fmt.Errorf("%w: header line %q", errMalformed, h)
		}
		name, value := h[:colon], bytes.TrimSpace(h[colon+1:])
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.Atoi(string(value))
			if err != nil || n < 0 {
				return status, false, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
			length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keep = false
			}
		}
	}
	switch {
	case status == 204 || status == 304 || (status >= 100 && status < 200):
		return status, keep, nil
	case chunked:
		return status, keep, discardChunked(r)
	case length >= 0:
		_, err := r.Discard(length)
		return status, keep, err
	default:
		// Body until EOF: the connection cannot be reused.
		_, err := io.Copy(io.Discard, r)
		return status, false, err
	}
}

func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: line longer than %d bytes", errMalformed, r.Size())
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

func discardChunked(r *bufio.Reader) error {
	for {
		line, err := readLine(r)
		if err != nil {
			return err
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 16, 31)
		if err != nil {
			return fmt.Errorf("%w: chunk size %q", errMalformed, line)
		}
		if n == 0 {
			// Trailers end with an empty line.
			for {
				t, err := readLine(r)
				if err != nil {
					return err
				}
				if len(t) == 0 {
					return nil
				}
			}
		}
		if _, err := r.Discard(int(n)); err != nil {
			return err
		}
		if _, err := readLine(r); err != nil {
			return err
		}
	}
}
