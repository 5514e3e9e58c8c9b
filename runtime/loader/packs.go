package loader

import (
	"errors"
	"os"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime/packs"
	"github.com/tagd-dev/tagd/tags"
	"github.com/tagd-dev/tagd/templates"
)

// openPacks reads tagd.lock beside the config and verifies every installed pack. Configs
// that neither use packs nor have a lock file are left alone.
func (b *builder) openPacks() {
	cfg := b.cfg
	if cfg.Path == "" && cfg.Dir == "" {
		return
	}
	lock := cfg.LockPath()
	if _, err := os.Stat(lock); err != nil && !usesPacks(cfg) {
		if cfg.Path != "" {
			b.files = append(b.files, lock) // installing a pack later triggers a reload
		}
		return
	}
	set, err := packs.Open(lock, cfg.PacksDir(), cfg.Packs.Prefer)
	if set != nil {
		b.files = append(b.files, set.Files()...)
		b.hash = append(b.hash, set.Hashes()...)
		b.packs = set
	} else if cfg.Path != "" {
		b.files = append(b.files, lock)
	}
	if err != nil {
		var ps packs.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				b.errs = append(b.errs, p.String())
			}
			return
		}
		b.errs = append(b.errs, b.pos(cfg.Packs.Line)+": packs: "+err.Error())
	}
}

// usesPacks reports whether the config names a pack template or configures [packs].
func usesPacks(cfg *config.Config) bool {
	if cfg.Packs.Directory != "" || len(cfg.Packs.Prefer) > 0 {
		return true
	}
	refs := make([]string, 0, len(cfg.Clients)+len(cfg.Variables)+len(cfg.Tags))
	for _, c := range cfg.Clients {
		refs = append(refs, c.Template)
	}
	for _, v := range cfg.Variables {
		refs = append(refs, v.Template)
	}
	for _, t := range cfg.Tags {
		refs = append(refs, t.Template)
	}
	for _, r := range refs {
		if _, _, ok := packs.ParseRef(r); ok {
			return true
		}
	}
	return false
}

// packTemplate resolves a template reference through the installed packs. handled is false
// when ref is not a pack template (a built-in or a .tpl path): the caller goes on as before.
func (b *builder) packTemplate(ref string) (key string, t *templates.Template, handled bool, err error) {
	pt, handled, err := b.packs.Resolve(ref, func(name string) bool {
		_, ok := tags.BuiltinSource(name)
		return ok
	})
	if !handled {
		return "", nil, false, nil
	}
	if err != nil {
		return ref, nil, true, err
	}
	t, err = templates.Parse(pt.Path, pt.Source)
	return pt.Key(), t, true, err
}
