___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "displayName": "Noop",
  "containerContexts": ["SERVER"]
}


___TEMPLATE_PARAMETERS___

[
  {"type": "TEXT", "name": "label", "displayName": "Label", "simpleValueType": true}
]


___SANDBOXED_JS_FOR_SERVER___

data.gtmOnSuccess();


___TESTS___

scenarios:
- name: succeeds
  code: |-
    runCode({});
    assertApi('gtmOnSuccess').wasCalled();
