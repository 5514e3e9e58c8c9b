___INFO___

{
  "type": "MACRO",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Upper Case",
  "description": "Returns its input in upper case.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "input",
    "displayName": "Input",
    "simpleValueType": true,
    "help": "The text to convert."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const makeString = require('makeString');

if (data.input === undefined) {
  return undefined;
}
return makeString(data.input).toUpperCase();


___TESTS___

scenarios:
- name: upper-cases text
  code: |-
    assertThat(runCode({input: 'shop.example'})).isEqualTo('SHOP.EXAMPLE');
- name: keeps undefined
  code: |-
    assertThat(runCode({})).isUndefined();


___NOTES___

Written for tagd's importer tests.
