package runtime

import "fmt"

// step is one tag run planned for an event: a fired tag, or a setup/teardown tag another
// tag pulled in. It starts once every dependency has finished.
type step struct {
	tb   *TagBinding
	deps []stepDep
}

type stepDep struct {
	i int // index of the step waited for
	// needSuccess: skip this step unless that step succeeded.
	needSuccess bool
	why         string // reason given when the step is skipped
}

// planFirings expands the fired tags (in start order) with their setup and teardown tags.
// A tag runs at most once per event unless it is Unlimited; a setup tag shared by two tags
// runs once and both wait for it.
func planFirings(fired []*TagBinding) []*step {
	var plan []*step
	once := map[*TagBinding]int{}
	// dependsOn reports whether step i waits, directly or not, for step j.
	var dependsOn func(i, j int) bool
	dependsOn = func(i, j int) bool {
		for _, d := range plan[i].deps {
			if d.i == j || dependsOn(d.i, j) {
				return true
			}
		}
		return false
	}
	var add func(tb *TagBinding, stack map[*TagBinding]bool) int
	add = func(tb *TagBinding, stack map[*TagBinding]bool) int {
		if i, ok := once[tb]; ok && !tb.Unlimited {
			return i
		}
		if stack[tb] { // a sequencing loop; config validation reports it
			return -1
		}
		stack[tb] = true
		defer delete(stack, tb)
		var deps []stepDep
		if s := tb.Setup; s != nil && !s.Tag.Paused {
			if j := add(s.Tag, stack); j >= 0 {
				deps = append(deps, stepDep{i: j, needSuccess: s.StopOnFailure,
					why: fmt.Sprintf("setup tag %q did not succeed", s.Tag.Name)})
			}
		}
		plan = append(plan, &step{tb: tb, deps: deps})
		i := len(plan) - 1
		if !tb.Unlimited {
			once[tb] = i
		}
		if t := tb.Teardown; t != nil && !t.Tag.Paused {
			if j := add(t.Tag, stack); j >= 0 && j != i && !dependsOn(i, j) {
				plan[j].deps = append(plan[j].deps, stepDep{i: i, needSuccess: t.StopOnFailure,
					why: fmt.Sprintf("tag %q, which it tears down, did not succeed", tb.Name)})
			}
		}
		return i
	}
	for _, tb := range fired {
		add(tb, map[*TagBinding]bool{})
	}
	return plan
}

// dropPlanned removes the not-fired entries of tags that run anyway as another tag's setup
// or teardown.
func dropPlanned(nf []NotFired, plan []*step) []NotFired {
	planned := make(map[string]bool, len(plan))
	for _, s := range plan {
		planned[s.tb.Name] = true
	}
	out := nf[:0]
	for _, n := range nf {
		if !planned[n.Name] {
			out = append(out, n)
		}
	}
	return out
}

// waitDeps blocks until every dependency of s has finished and says why s must be skipped
// ("" to run it).
func waitDeps(s *step, firings []*Firing) string {
	why := ""
	for _, d := range s.deps {
		f := firings[d.i]
		<-f.done
		if why == "" && d.needSuccess && (f.skipped != "" || f.status != Success) {
			why = d.why
		}
	}
	return why
}

// skip ends a planned firing that did not run; it is reported as not fired.
func (f *Firing) skip(reason string) {
	f.once.Do(func() {
		f.skipped = reason
		close(f.done)
	})
}
