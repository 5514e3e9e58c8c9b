___INFO___

{
  "type": "MACRO",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Event ID",
  "categories": [
    "UTILITY"
  ],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "A unique id for the event, for deduplication of browser and server copies: the event_id the browser sent with the event, else a new id made once per event.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "key",
    "displayName": "Event data key",
    "simpleValueType": true,
    "defaultValue": "event_id",
    "help": "Event data key path holding the browser's event id, tried before event_id (e.g. x-fb-event_id). The pixel must send the same id for the vendor to deduplicate."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const generateRandom = require('generateRandom');
const getEventData = require('getEventData');
const getTimestampMillis = require('getTimestampMillis');
const getType = require('getType');
const makeString = require('makeString');

// The id the browser sent with the event wins, so the browser pixel and the server copy
// of one event carry the same id and the vendor can deduplicate them.
const keys = ['event_id'];
const configured = text(data.key).trim();
if (configured && configured !== 'event_id') {
  keys.unshift(configured);
}
for (let i = 0; i < keys.length; i++) {
  const given = getEventData(keys[i]);
  const type = getType(given);
  if ((type === 'string' || type === 'number') && text(given).trim()) {
    return text(given).trim();
  }
}
// Otherwise a new id. tagd evaluates a variable once per event, so every tag of the event
// sees this same value.
return makeString(getTimestampMillis()) + '.' + makeString(generateRandom(100000000, 999999999));

function text(value) {
  if (typeof value === 'string') {
    return value;
  }
  if (value === undefined || value === null) {
    return '';
  }
  const type = getType(value);
  if (type === 'object' || type === 'array') {
    return JSON.stringify(value) || '';
  }
  return makeString(value);
}


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
- name: the browser's event_id is returned as is
  code: |-
    mock('getEventData', (key) => ({event_id: ' evt-T-1001 '})[key]);
    assertThat(runCode({key: 'event_id'})).isEqualTo('evt-T-1001');
- name: a configured key is tried before event_id
  code: |-
    mock('getEventData', (key) => ({'x-fb-event_id': 'fb-1', event_id: 'evt-2'})[key]);
    assertThat(runCode({key: 'x-fb-event_id'})).isEqualTo('fb-1');
    mock('getEventData', (key) => ({event_id: 42})[key]);
    assertThat(runCode({key: 'x-fb-event_id'})).isEqualTo('42');
- name: without one a fresh id of timestamp and random digits is made
  code: |-
    mock('getEventData', () => undefined);
    mock('getTimestampMillis', 1716200000123);
    mock('generateRandom', (min, max) => {
      assertThat(min).isEqualTo(100000000);
      assertThat(max).isEqualTo(999999999);
      return 123456789;
    });
    assertThat(runCode({})).isEqualTo('1716200000123.123456789');
    mock('getEventData', () => {});
    assertThat(runCode({key: ''})).isEqualTo('1716200000123.123456789');
setup: ''


___NOTES___

Built-in tagd template, written for tagd from scratch.
