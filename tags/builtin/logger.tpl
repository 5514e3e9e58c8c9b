___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Logger",
  "categories": ["UTILITY"],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "Writes one structured console line per event with the event name and the event data (all keys, or only the keys you list). Useful to see what a client produced.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "include_keys",
    "displayName": "Only log these event data keys",
    "simpleValueType": true,
    "textAsList": true,
    "lineCount": 4,
    "valueHint": "event_name\npage_location\nvalue",
    "help": "One top-level event data key per line (commas also separate keys). Only these keys are written under event_data. Leave empty to log the whole event."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const getAllEventData = require('getAllEventData');
const getType = require('getType');
const logToConsole = require('logToConsole');
const makeString = require('makeString');

const eventData = getAllEventData() || {};
const keys = keyList(data.include_keys);

let logged = eventData;
if (keys.length > 0) {
  logged = {};
  keys.forEach((key) => {
    if (eventData[key] !== undefined) {
      logged[key] = eventData[key];
    }
  });
}

// A single object argument: tagd merges its keys into the JSON log line.
logToConsole({message: 'event', event_name: eventData.event_name, event_data: logged});
data.gtmOnSuccess();

// include_keys is an array when the field holds several lines and a string when it holds
// one (or comes from a hand-written config), so accept both, split on commas too, and
// drop blanks and repeats.
function keyList(value) {
  let parts = [];
  const type = getType(value);
  if (type === 'array') {
    value.forEach((item) => {
      parts = parts.concat(makeString(item).split(','));
    });
  } else if (type === 'string') {
    value.split('\n').forEach((line) => {
      parts = parts.concat(line.split(','));
    });
  }
  const keys = [];
  parts.forEach((part) => {
    const key = part.trim();
    if (key && keys.indexOf(key) < 0) {
      keys.push(key);
    }
  });
  return keys;
}


___SERVER_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "logging",
        "versionId": "1"
      },
      "param": [
        {
          "key": "environments",
          "value": {
            "type": 1,
            "string": "all"
          }
        }
      ]
    },
    "isRequired": true
  },
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
- name: logs the whole event when no keys are listed
  code: |-
    const event = {event_name: 'purchase', value: 59.98, user_data: {email_address: 'a@b.example'}};
    mock('getAllEventData', event);
    runCode({});
    assertApi('logToConsole').wasCalledWith({message: 'event', event_name: 'purchase', event_data: event});
    assertApi('gtmOnSuccess').wasCalled();
    assertApi('gtmOnFailure').wasNotCalled();
- name: logs only the listed keys (multi-line list)
  code: |-
    mock('getAllEventData', {event_name: 'page_view', page_location: 'https://shop.example/', client_id: '1.2', ip_override: '198.51.100.23'});
    runCode({include_keys: ['page_location', 'client_id', 'missing_key']});
    assertApi('logToConsole').wasCalledWith({
      message: 'event',
      event_name: 'page_view',
      event_data: {page_location: 'https://shop.example/', client_id: '1.2'}
    });
    assertApi('gtmOnSuccess').wasCalled();
- name: accepts a single string with commas, blanks and repeats
  code: |-
    mock('getAllEventData', {event_name: 'login', method: 'google', user_id: 'u-7', language: 'en-us'});
    runCode({include_keys: ' user_id , method,,user_id\n'});
    assertApi('logToConsole').wasCalledWith({
      message: 'event',
      event_name: 'login',
      event_data: {user_id: 'u-7', method: 'google'}
    });
- name: keeps falsy values of listed keys
  code: |-
    mock('getAllEventData', {event_name: 'scroll', percent_scrolled: 0, engaged: false, note: ''});
    runCode({include_keys: ['percent_scrolled', 'engaged', 'note']});
    assertApi('logToConsole').wasCalledWith({
      message: 'event',
      event_name: 'scroll',
      event_data: {percent_scrolled: 0, engaged: false, note: ''}
    });
- name: an event without a name still logs and succeeds
  code: |-
    let line;
    mock('getAllEventData', {});
    mock('logToConsole', (arg) => { line = arg; });
    runCode({include_keys: []});
    assertThat(line.message).isEqualTo('event');
    assertThat(line.event_name).isUndefined();
    assertThat(line.event_data).isEqualTo({});
    assertApi('gtmOnSuccess').wasCalled();


___NOTES___

Built-in tagd template, written for tagd from scratch.
