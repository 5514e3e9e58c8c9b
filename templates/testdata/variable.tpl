___INFO___

{
  "type": "MACRO",
  "id": "cvt_temp_public_id",
  "version": 1,
  "displayName": "Fixture Seconds Variable",
  "description": "Days to seconds; no permissions needed.",
  "containerContexts": ["SERVER"]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "days",
    "displayName": "Days",
    "simpleValueType": true,
    "defaultValue": 1,
    "valueValidators": [{"type": "NON_NEGATIVE_NUMBER"}]
  }
]


___SANDBOXED_JS_FOR_SERVER___

const makeNumber = require('makeNumber');
return makeNumber(data.days) * 86400;


___TESTS___

scenarios: []
setup: ''
