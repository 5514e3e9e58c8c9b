___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "displayName": "Runner Fixture Tag",
  "containerContexts": ["SERVER"]
}


___TEMPLATE_PARAMETERS___

[
  {"type": "TEXT", "name": "url", "displayName": "URL", "simpleValueType": true},
  {"type": "TEXT", "name": "mode", "displayName": "Mode", "simpleValueType": true}
]


___SANDBOXED_JS_FOR_SERVER___

const getEventData = require('getEventData');
const sendHttpRequest = require('sendHttpRequest');
const logToConsole = require('logToConsole');
const BigQuery = require('BigQuery');
const getType = require('getType');
const callLater = require('callLater');
const JSON = require('JSON');

logToConsole('mode', data.mode);

if (data.mode === 'boom') {
  data.notAFunction();
}

if (data.mode === 'bigquery') {
  // mock('BigQuery', fn) turns the API into a function; templates check for that.
  const bq = getType(BigQuery) === 'function' ? BigQuery() : BigQuery;
  bq.insert({datasetId: 'd', tableId: 't'}, [{a: 1}]).then(data.gtmOnSuccess, data.gtmOnFailure);
  return;
}

if (data.mode === 'later') {
  callLater(() => data.gtmOnSuccess());
  return;
}

if (data.mode === 'callback-throws') {
  callLater(() => data.alsoNotAFunction());
  return;
}

const body = {event: getEventData('event_name'), value: data.value};
const options = {method: 'POST', headers: {'content-type': 'application/json'}};
if (data.mode === 'chain') {
  return sendHttpRequest(data.url, options, 'first')
    .then(() => sendHttpRequest(data.url, options, 'second'))
    .then(() => data.gtmOnSuccess());
}
return sendHttpRequest(data.url, options, JSON.stringify(body)).then((r) => {
  if (r.statusCode >= 200 && r.statusCode < 300) {
    data.gtmOnSuccess();
  } else {
    data.gtmOnFailure();
  }
}, (e) => {
  logToConsole('request failed:', e.reason);
  data.gtmOnFailure();
});


___SERVER_PERMISSIONS___

[
  {"instance": {"key": {"publicId": "logging", "versionId": "1"},
    "param": [{"key": "environments", "value": {"type": 1, "string": "all"}}]}, "isRequired": true},
  {"instance": {"key": {"publicId": "read_event_data", "versionId": "1"},
    "param": [{"key": "eventDataAccess", "value": {"type": 1, "string": "any"}}]}, "isRequired": true},
  {"instance": {"key": {"publicId": "send_http", "versionId": "1"},
    "param": [{"key": "allowedUrls", "value": {"type": 1, "string": "any"}}]}, "isRequired": true}
]


___TESTS___

scenarios:
- name: 'pass: gtmOnSuccess is recorded after a mocked 2xx response'
  code: |-
    mock('sendHttpRequest', () => Promise.create((resolve) => resolve({statusCode: 204})));
    runCode({url: 'https://collect.example.org/e'});
    callLater(() => {
      assertApi('gtmOnSuccess').wasCalled();
      assertApi('gtmOnFailure').wasNotCalled();
    });
- name: 'pass: API calls are recorded with deep-copied arguments'
  code: |-
    mock('getEventData', 'purchase');
    mock('sendHttpRequest', (url, options, body) => {
      options.method = 'CHANGED';
      return Promise.create((resolve) => resolve({statusCode: 200}));
    });
    runCode({url: 'https://collect.example.org/e', value: 3});
    assertApi('getEventData').wasCalledWith('event_name');
    assertApi('sendHttpRequest').wasCalledWith('https://collect.example.org/e',
      {method: 'POST', headers: {'content-type': 'application/json'}},
      '{"event":"purchase","value":3}');
    assertApi('sendHttpRequest').wasNotCalledWith('https://collect.example.org/e');
    assertApi('logToConsole').wasCalledWith('mode', undefined);
- name: 'pass: un-mocked sendHttpRequest rejects with reason failed and never reaches the network'
  code: |-
    runCode({url: 'https://127.0.0.1:9/'}).then(() => {
      assertApi('sendHttpRequest').wasCalled();
      assertApi('gtmOnFailure').wasCalled();
    });
- name: 'pass: runCode returns the promise a tag returns'
  code: |-
    mock('sendHttpRequest', () => Promise.create((resolve) => resolve({statusCode: 500})));
    runCode({url: 'https://collect.example.org/e'}).then(() => {
      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
    });
- name: 'pass: mock of an object API with a function makes require return a function'
  code: |-
    let inserted;
    mock('BigQuery', () => ({insert: (table, rows) => {
      inserted = rows;
      return Promise.create((resolve) => resolve());
    }}));
    runCode({mode: 'bigquery'});
    callLater(() => {
      assertThat(inserted).isEqualTo([{a: 1}]);
      assertApi('BigQuery').wasCalled();
      assertApi('gtmOnSuccess').wasCalled();
    });
- name: 'pass: mockObject makes require return the object itself'
  code: |-
    let calls = 0;
    mockObject('BigQuery', {insert: () => {
      calls++;
      return Promise.create((resolve, reject) => reject({reason: 'quota'}));
    }});
    runCode({mode: 'bigquery'});
    callLater(() => {
      assertThat(calls).isEqualTo(1);
      assertApi('gtmOnFailure').wasCalled();
    });
- name: 'pass: callLater callbacks of the template run before the test''s own'
  code: |-
    runCode({mode: 'later'});
    assertApi('gtmOnSuccess').wasNotCalled();
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: 'pass: a handle keeps the mock that was installed when the template required it'
  code: |-
    const bodies = [];
    mock('sendHttpRequest', (url, options, body) => {
      bodies.push(body);
      return Promise.create((resolve) => resolve({statusCode: 200}));
    });
    runCode({url: 'https://collect.example.org/e', mode: 'chain'});
    mock('sendHttpRequest', () => fail('the later mock must not serve the earlier run'));
    callLater(() => {
      assertThat(bodies).isEqualTo(['first', 'second']);
      assertApi('gtmOnSuccess').wasCalled();
    });
- name: 'pass: the test''s own require gets the real API even while it is mocked'
  code: |-
    const log = require('logToConsole');
    const seen = [];
    mock('logToConsole', function() {
      seen.push(arguments[0]);
      log('wrapped:', arguments[0]);
    });
    runCode({mode: 'later'});
    assertThat(seen).isEqualTo(['mode']);
- name: 'pass: mocking an unknown name is accepted'
  code: |-
    mock('requestMethod', 'GET');
    mockObject('noSuchApi', {});
    runCode({mode: 'later'});
- name: 'pass: a throwing runCode can be caught'
  code: |-
    let threw = false;
    try {
      runCode({mode: 'boom'});
    } catch (e) {
      threw = true;
    }
    assertThat(threw).isTrue();
- name: 'fail: gtmOnSuccess was never called'
  code: |-
    mock('sendHttpRequest', () => Promise.create((resolve) => resolve({statusCode: 500})));
    runCode({url: 'https://collect.example.org/e'});
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: 'fail: an assertion inside a promise callback fails even though the promise swallows it'
  code: |-
    mock('sendHttpRequest', () => Promise.create((resolve) => resolve({statusCode: 200})));
    runCode({url: 'https://collect.example.org/e'}).then(() => {
      assertThat({a: 1}).isEqualTo({a: 2});
    });
- name: 'fail: an assertion inside callLater'
  code: |-
    runCode({mode: 'later'});
    callLater(() => assertApi('gtmOnFailure').wasCalled());
- name: 'fail: the template throws'
  code: |-
    runCode({mode: 'boom'});
- name: 'fail: a callLater callback throws'
  code: |-
    runCode({mode: 'callback-throws'});
- name: 'fail: wasCalledWith lists the calls that were made'
  code: |-
    mock('sendHttpRequest', () => Promise.create((resolve) => resolve({statusCode: 200})));
    runCode({url: 'https://a.example.org/'});
    assertApi('sendHttpRequest').wasCalledWith('https://b.example.org/');
- name: 'fail: wasNotCalledWith'
  code: |-
    runCode({mode: 'later'});
    assertApi('logToConsole').wasNotCalledWith('mode', 'later');
- name: 'fail: wasNotCalled'
  code: |-
    runCode({mode: 'later'});
    assertApi('logToConsole').wasNotCalled();
- name: 'fail: fail() with a message'
  code: |-
    fail('custom reason');
setup: |-
  const Promise = require('Promise');
  const callLater = require('callLater');


___NOTES___

Fixture for sandbox/sandboxtest: every "pass:" scenario must pass and every "fail:"
scenario must fail with the message recorded in tag.golden.
