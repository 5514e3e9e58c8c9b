___INFO___

{"type": "TAG", "id": "cvt_temp_public_id", "version": 1, "displayName": "YAML styles", "containerContexts": ["SERVER"]}


___SANDBOXED_JS_FOR_SERVER___

data.gtmOnSuccess();


___TESTS___

scenarios:
- name: literal strip
  code: |-
    runCode({});

    assertApi('gtmOnSuccess').wasCalled();
- name: literal clip
  code: |
    runCode({});
- name: literal keep
  code: |+
    runCode({});


- name: explicit indentation
  code: |2-
      const indented = true;
    runCode({});
- name: folded
  code: >-
    runCode(
    {});
- name: plain scalar
  code: runCode({});
- name: 'single quoted: it''s fine'
  code: 'runCode({});'
- name: "double quoted"
  code: "const s = 'a\tb';\nrunCode({});\nassertApi('gtmOnSuccess')\
    .wasCalled();"
- code: "runCode({}); // name key comes second"
  name: key order swapped
- name: 12345
  code: ~
setup: ''
