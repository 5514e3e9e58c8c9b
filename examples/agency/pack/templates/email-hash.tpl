___INFO___

{
  "type": "MACRO",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Acme E-mail Hash",
  "description": "Trims and lower-cases an e-mail address from the event, then returns its SHA-256 (hex).",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "key",
    "displayName": "Event-data key",
    "simpleValueType": true,
    "defaultValue": "user_data.email_address",
    "help": "Where the e-mail address is in the event."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const getEventData = require('getEventData');
const makeString = require('makeString');
const sha256Sync = require('sha256Sync');

const raw = getEventData(data.key || 'user_data.email_address');
if (raw === undefined || raw === null) {
  return undefined;
}
const email = makeString(raw).trim().toLowerCase();
if (email === '' || email.indexOf('@') < 1) {
  return undefined;
}
return sha256Sync(email, {outputEncoding: 'hex'});


___SERVER_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "read_event_data",
        "versionId": "1"
      },
      "param": [
        {
          "key": "eventDataAccess",
          "value": {
            "type": 1,
            "string": "any"
          }
        }
      ]
    },
    "isRequired": true
  }
]


___TESTS___

scenarios:
- name: hashes the normalised address
  code: |-
    mock('getEventData', () => '  Jane.Doe@Example.COM ');
    assertThat(runCode({key: 'user_data.email_address'})).isEqualTo('86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d');
- name: leaves a missing or invalid address undefined
  code: |-
    mock('getEventData', () => undefined);
    assertThat(runCode({})).isUndefined();
    mock('getEventData', () => 'not-an-address');
    assertThat(runCode({})).isUndefined();


___NOTES___

Part of the acme-agency pack. The hash in the test was computed with:
printf '%s' 'jane.doe@example.com' | sha256sum
