___NOTES___

Notes come first here; parse by name, not position.


___SANDBOXED_JS_FOR_SERVER___


// code section with blank lines around it; no permissions section at all

return 42;



___FUTURE_SECTION___

Unknown sections are recorded and ignored.


___INFO___

{"type": "MACRO", "version": 1, "displayName": "Order", "containerContexts": ["SERVER"]}


___TESTS___

setup: &shared |-
  const x = 1;
scenarios:
  - name: uses an alias
    code: *shared
