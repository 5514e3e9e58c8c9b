package clients

import (
	"context"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
)

// TemplateClient runs a CLIENT template: it claims with claimRequest, runs events with
// runContainer and answers with returnResponse.
type TemplateClient struct {
	Name    string
	Program *sandbox.Program
	Pool    *sandbox.Pool
	Params  map[string]any
}

// Handle implements runtime.Client.
func (c *TemplateClient) Handle(ctx context.Context, x *runtime.Exchange) (bool, error) {
	ex := &sandbox.Execution{Program: c.Program, Name: c.Name, Data: runtime.DeepCopy(c.Params).(map[string]any), X: x, Env: x.Container.Env, Debug: x.Preview}
	if ex.Data == nil {
		ex.Data = map[string]any{}
	}
	res := c.Pool.Run(ctx, ex)
	return x.ClaimedBy() == c.Name, res.Err
}
