package clients

import (
	"sync"

	"github.com/tagd-dev/tagd/runtime/clickstore"
)

var (
	dataDirMu sync.RWMutex
	dataDir   string
)

// SetDataDir sets the directory (server.data_dir) in which the click and postback clients
// keep their store, clicks.db. The loader calls it before it builds clients; a client's
// own data_dir setting wins over it.
func SetDataDir(dir string) {
	dataDirMu.Lock()
	dataDir = dir
	dataDirMu.Unlock()
}

// DataDir returns the directory set by SetDataDir.
func DataDir() string {
	dataDirMu.RLock()
	defer dataDirMu.RUnlock()
	return dataDir
}

// openStore opens the click store for a client: its data_dir setting, else the process
// data dir.
func openStore(s *settings) (*clickstore.Store, error) {
	dir := s.str("data_dir", "")
	if dir == "" {
		dir = DataDir()
	}
	return clickstore.Open(dir)
}
