package config

import (
	"strings"
	"testing"
)

func TestCloudTable(t *testing.T) {
	c, err := Parse("c.toml", "/tmp", []byte("[cloud]\nproject = \"p\"\nfirestore = \"rest\"\nbigquery = \"jsonl\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Cloud.Project != "p" || c.Cloud.Firestore != "rest" || c.Cloud.BigQuery != "jsonl" {
		t.Errorf("cloud = %+v", c.Cloud)
	}
	_, err = Parse("c.toml", "/tmp", []byte("[cloud]\nfirestore = \"mongo\"\n\nbigquery = \"csv\"\nbogus = 1\n"))
	if err == nil {
		t.Fatal("bad cloud table accepted")
	}
	for _, want := range []string{"c.toml:2:", "mongo", "c.toml:4:", "csv", "c.toml:5:", "bogus"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
