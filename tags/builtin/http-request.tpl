___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "HTTP Request / Postback",
  "categories": ["AFFILIATE_MARKETING", "CONVERSIONS", "UTILITY"],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "Sends one HTTP request per event: an affiliate/S2S postback, a webhook or any JSON/form API call. {key} macros in the URL, header values and body values are filled from event data.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "SELECT",
    "name": "method",
    "displayName": "Method",
    "macrosInSelect": true,
    "selectItems": [
      {"value": "GET", "displayValue": "GET"},
      {"value": "POST", "displayValue": "POST"},
      {"value": "PUT", "displayValue": "PUT"},
      {"value": "PATCH", "displayValue": "PATCH"},
      {"value": "DELETE", "displayValue": "DELETE"}
    ],
    "simpleValueType": true,
    "defaultValue": "GET",
    "help": "HTTP method of the request. Postbacks are usually GET."
  },
  {
    "type": "TEXT",
    "name": "url",
    "displayName": "URL",
    "simpleValueType": true,
    "alwaysInSummary": true,
    "valueHint": "https://partner.example/pb?cid={click_id}\u0026amt={payout}\u0026tx={transaction_id}",
    "valueValidators": [
      {"type": "NON_EMPTY"}
    ],
    "help": "Full URL. Each {key} or {a.b} macro is replaced by the URL-encoded event data value at that key path (empty when missing). Aliases: {payout} and {amount} (the event's payout/amount key, else value), {event} (event_name); {click_id}, {transaction_id}, {currency}, {status}, {offer_id} read the keys of the same name."
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "headers",
    "displayName": "Request headers",
    "simpleTableColumns": [
      {"defaultValue": "", "displayName": "Header name", "name": "name", "type": "TEXT", "isUnique": true},
      {"defaultValue": "", "displayName": "Value", "name": "value", "type": "TEXT"}
    ],
    "newRowButtonText": "Add header",
    "help": "Extra request headers. {key} macros in values are replaced by the raw (not URL-encoded) event data value. A Content-Type set here wins over the one implied by the body format."
  },
  {
    "type": "SELECT",
    "name": "body_format",
    "displayName": "Body format",
    "macrosInSelect": false,
    "selectItems": [
      {"value": "none", "displayValue": "No body"},
      {"value": "json", "displayValue": "JSON (application/json)"},
      {"value": "form", "displayValue": "Form (application/x-www-form-urlencoded)"}
    ],
    "simpleValueType": true,
    "defaultValue": "none",
    "help": "How the body fields are encoded. With 'No body' nothing is sent unless 'Send the whole event data' is ticked, which then sends JSON."
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "body",
    "displayName": "Body fields",
    "simpleTableColumns": [
      {"defaultValue": "", "displayName": "Key", "name": "key", "type": "TEXT", "isUnique": true},
      {"defaultValue": "", "displayName": "Value", "name": "value", "type": "TEXT"}
    ],
    "newRowButtonText": "Add field",
    "enablingConditions": [
      {"paramName": "body_format", "paramValue": "none", "type": "NOT_EQUALS"}
    ],
    "help": "Top-level body fields. A value that is exactly one macro such as {value} keeps the event data type (number, object) in JSON; other values are text with macros replaced by raw event data values."
  },
  {
    "type": "CHECKBOX",
    "name": "body_include_event_data",
    "checkboxText": "Send the whole event data in the body",
    "displayName": "Include event data",
    "simpleValueType": true,
    "defaultValue": false,
    "help": "Starts the body from all event data keys; body fields above are added on top and win on conflicts. Encoded as JSON unless the body format is Form."
  },
  {
    "type": "TEXT",
    "name": "timeout_ms",
    "displayName": "Timeout (milliseconds)",
    "simpleValueType": true,
    "defaultValue": "5000",
    "valueValidators": [
      {"type": "POSITIVE_NUMBER"}
    ],
    "help": "How long to wait for the response before the tag fails. Empty or invalid means 5000."
  },
  {
    "type": "TEXT",
    "name": "success_status",
    "displayName": "Success status codes",
    "simpleValueType": true,
    "defaultValue": "200-299",
    "help": "Comma-separated status codes or ranges that count as success, e.g. '200-299' or '200,202,3xx'. Empty or invalid means 200-299."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const Object = require('Object');
const encodeUriComponent = require('encodeUriComponent');
const getAllEventData = require('getAllEventData');
const getType = require('getType');
const logToConsole = require('logToConsole');
const makeInteger = require('makeInteger');
const makeString = require('makeString');
const sendHttpRequest = require('sendHttpRequest');

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_SUCCESS_STATUS = '200-299';
const MAX_LOGGED_BODY = 1000;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const MACRO_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-';
// Postback tokens whose event data key differs from the token: the first candidate with a
// value wins, so an explicit payout/amount key beats the generic order value.
const ALIASES = {
  payout: ['payout', 'value'],
  amount: ['amount', 'value'],
  sale_amount: ['sale_amount', 'value'],
  event: ['event_name']
};

const eventData = getAllEventData() || {};

const method = toText(data.method || 'GET').trim().toUpperCase();
if (METHODS.indexOf(method) < 0) {
  return fail('unsupported method', {method: method});
}
const url = expand(data.url, true).trim();
if (!url) {
  return fail('url is empty', {});
}

const headers = {};
(getType(data.headers) === 'array' ? data.headers : []).forEach((row) => {
  const name = toText(row && row.name).trim();
  if (name) {
    headers[name] = expand(row.value, false);
  }
});

const body = buildBody();
if (body !== undefined && !hasHeader('content-type')) {
  headers['Content-Type'] = body.contentType;
}

const ranges = statusRanges(data.success_status);
const options = {method: method, headers: headers, timeout: timeoutMs(data.timeout_ms)};
const request = body === undefined ?
  sendHttpRequest(url, options) :
  sendHttpRequest(url, options, body.text);

request.then((result) => {
  const status = result.statusCode;
  if (inRanges(status, ranges)) {
    data.gtmOnSuccess();
    return;
  }
  logToConsole({
    message: 'http-request: unexpected response status',
    method: method,
    status: status,
    body: toText(result.body).substring(0, MAX_LOGGED_BODY)
  });
  data.gtmOnFailure();
}, (err) => {
  logToConsole({
    message: 'http-request: request failed',
    method: method,
    reason: toText(err && err.reason) || 'failed'
  });
  data.gtmOnFailure();
});

function fail(reason, details) {
  details.message = 'http-request: ' + reason;
  logToConsole(details);
  data.gtmOnFailure();
}

// Returns {text, contentType} or undefined when no body is configured.
function buildBody() {
  const format = toText(data.body_format || 'none').trim().toLowerCase();
  const includeEvent = data.body_include_event_data === true ||
    data.body_include_event_data === 'true';
  if (format !== 'json' && format !== 'form' && !includeEvent) {
    return undefined;
  }
  const fields = {};
  if (includeEvent) {
    Object.keys(eventData).forEach((key) => {
      fields[key] = eventData[key];
    });
  }
  (getType(data.body) === 'array' ? data.body : []).forEach((row) => {
    const key = toText(row && row.key).trim();
    if (key) {
      fields[key] = bodyValue(row.value);
    }
  });
  if (format === 'form') {
    const pairs = [];
    Object.keys(fields).forEach((key) => {
      pairs.push(encodeUriComponent(key) + '=' + encodeUriComponent(toText(fields[key])));
    });
    return {text: pairs.join('&'), contentType: 'application/x-www-form-urlencoded'};
  }
  return {text: JSON.stringify(fields), contentType: 'application/json'};
}

// A cell that is exactly one macro keeps the event value's own type; a non-string cell
// is a value the runtime already resolved from a {{Variable}}.
function bodyValue(cell) {
  if (getType(cell) !== 'string') {
    return cell === undefined ? '' : cell;
  }
  const trimmed = cell.trim();
  if (trimmed.length > 2 && trimmed.charAt(0) === '{' &&
      trimmed.indexOf('}') === trimmed.length - 1 &&
      isMacroName(trimmed.substring(1, trimmed.length - 1))) {
    const value = lookup(trimmed.substring(1, trimmed.length - 1));
    return value === undefined || value === null ? '' : value;
  }
  return expand(cell, false);
}

// Replaces {key.path} macros. Text in {{double braces}} and braces around anything that is
// not a key path (JSON, spaces) are left as they are.
function expand(template, urlEncode) {
  const text = toText(template);
  let out = '';
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf('{', pos);
    if (open < 0) {
      break;
    }
    if (text.charAt(open + 1) === '{') {
      const end = text.indexOf('}}', open + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.substring(pos, stop);
      pos = stop;
      continue;
    }
    const close = text.indexOf('}', open + 1);
    if (close < 0) {
      break;
    }
    const name = text.substring(open + 1, close);
    if (!isMacroName(name)) {
      out += text.substring(pos, open + 1);
      pos = open + 1;
      continue;
    }
    const value = toText(lookup(name));
    out += text.substring(pos, open) + (urlEncode ? encodeUriComponent(value) : value);
    pos = close + 1;
  }
  return out + text.substring(pos);
}

function isMacroName(name) {
  if (!name) {
    return false;
  }
  for (let i = 0; i < name.length; i++) {
    if (MACRO_CHARS.indexOf(name.charAt(i)) < 0) {
      return false;
    }
  }
  return true;
}

function lookup(name) {
  if (!ALIASES.hasOwnProperty(name)) {
    return valueAt(eventData, name);
  }
  const candidates = ALIASES[name];
  for (let i = 0; i < candidates.length; i++) {
    const value = valueAt(eventData, candidates[i]);
    if (value !== undefined && value !== null && value !== '') {
      return value;
    }
  }
  return undefined;
}

// Own keys only (via Object.keys, which event data cannot shadow), so a macro like
// {constructor} cannot reach prototype members.
function valueAt(obj, keyPath) {
  if (hasKey(obj, keyPath)) {
    return obj[keyPath];
  }
  const parts = keyPath.split('.');
  let current = obj;
  for (let i = 0; i < parts.length; i++) {
    const type = getType(current);
    if ((type !== 'object' && type !== 'array') || !hasKey(current, parts[i])) {
      return undefined;
    }
    current = current[parts[i]];
  }
  return current;
}

function hasKey(obj, key) {
  const v = obj[key];
  if (v === undefined) {
    return false;
  }
  return typeof obj.hasOwnProperty !== 'function' || obj.hasOwnProperty(key);
}

function toText(value) {
  const type = getType(value);
  if (type === 'undefined' || type === 'null') {
    return '';
  }
  if (type === 'string') {
    return value;
  }
  if (type === 'object' || type === 'array') {
    return JSON.stringify(value) || '';
  }
  return makeString(value);
}

function hasHeader(name) {
  const keys = Object.keys(headers);
  for (let i = 0; i < keys.length; i++) {
    if (keys[i].toLowerCase() === name) {
      return true;
    }
  }
  return false;
}

function timeoutMs(value) {
  const ms = makeInteger(value);
  return getType(ms) === 'number' && ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
}

// Parses '200-299', '200,202', '2xx' and mixtures; falls back to 200-299 (with a log line)
// when the setting cannot be read.
function statusRanges(spec) {
  const text = toText(spec).trim();
  if (!text) {
    return [[200, 299]];
  }
  const parsed = [];
  const parts = text.split(',');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i].trim().toLowerCase();
    if (!part) {
      continue;
    }
    const dash = part.indexOf('-');
    let range;
    if (part.length === 3 && part.substring(1) === 'xx') {
      const hundred = statusCode(part.charAt(0) + '00');
      range = hundred ? [hundred, hundred + 99] : undefined;
    } else if (dash > 0) {
      const low = statusCode(part.substring(0, dash).trim());
      const high = statusCode(part.substring(dash + 1).trim());
      range = low && high && low <= high ? [low, high] : undefined;
    } else {
      const code = statusCode(part);
      range = code ? [code, code] : undefined;
    }
    if (!range) {
      logToConsole({
        message: 'http-request: cannot read success_status, using ' + DEFAULT_SUCCESS_STATUS,
        success_status: text
      });
      return [[200, 299]];
    }
    parsed.push(range);
  }
  return parsed.length > 0 ? parsed : [[200, 299]];
}

// Three digits between 100 and 599, else 0.
function statusCode(text) {
  if (text.length !== 3) {
    return 0;
  }
  for (let i = 0; i < 3; i++) {
    if ('0123456789'.indexOf(text.charAt(i)) < 0) {
      return 0;
    }
  }
  const code = makeInteger(text);
  return code >= 100 && code <= 599 ? code : 0;
}

function inRanges(status, list) {
  return list.some((range) => status >= range[0] && status <= range[1]);
}


___SERVER_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "send_http",
        "versionId": "1"
      },
      "param": [
        {
          "key": "allowedUrls",
          "value": {
            "type": 1,
            "string": "any"
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
  },
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
  }
]


___TESTS___

scenarios:
- name: GET postback fills and URL-encodes macros, missing ones empty
  code: |-
    mock('getAllEventData', {
      event_name: 'purchase', click_id: '102f8c1e9a7d4b', value: '12.50', currency: 'USD',
      transaction_id: 'T-1001', status: 'approved', page_location: 'https://shop.example/?a=1&b=2'
    });
    mockResponse(200, 'OK');
    runCode({
      method: 'GET',
      url: 'https://partner.example/pb?cid={click_id}&amt={payout}&cur={currency}&tx={transaction_id}&st={status}&ev={event}&o={offer_id}&loc={page_location}',
      timeout_ms: '5000',
      success_status: '200-299'
    });
    assertApi('sendHttpRequest').wasCalledWith(
      'https://partner.example/pb?cid=102f8c1e9a7d4b&amt=12.50&cur=USD&tx=T-1001&st=approved&ev=purchase&o=&loc=https%3A%2F%2Fshop.example%2F%3Fa%3D1%26b%3D2',
      {method: 'GET', headers: {}, timeout: 5000});
    callLater(() => {
      assertApi('gtmOnSuccess').wasCalled();
      assertApi('gtmOnFailure').wasNotCalled();
    });
- name: payout and amount prefer their own keys, then value; nested key paths work
  code: |-
    mock('getAllEventData', {
      value: 99.9, payout: 4.5, items: [{item_id: 'SKU 1'}], user_data: {address: {country: 'DE'}}
    });
    mockResponse(204, '');
    runCode({url: 'https://p.example/c?p={payout}&a={amount}&s={sale_amount}&i={items.0.item_id}&c={user_data.address.country}'});
    assertThat(sent.url).isEqualTo('https://p.example/c?p=4.5&a=99.9&s=99.9&i=SKU%201&c=DE');
    assertThat(sent.options.method).isEqualTo('GET');
    assertThat(sent.options.timeout).isEqualTo(5000);
    assertThat(sent.body).isUndefined();
- name: double braces, JSON-looking text and prototype names are not replaced
  code: |-
    mock('getAllEventData', {value: 1});
    mockResponse(200, '');
    runCode({url: 'https://p.example/x?a={{value}}&b={"k":1}&c={constructor}&d={value'});
    assertThat(sent.url).isEqualTo('https://p.example/x?a={{value}}&b={"k":1}&c=&d={value');
- name: POST JSON body keeps types of single-macro values and sets Content-Type
  code: |-
    mock('getAllEventData', {
      event_name: 'purchase', value: 59.98, transaction_id: 'T-1001',
      items: [{item_id: 'SKU-1', quantity: 2}], user_data: {email_address: 'jane@example.com'}
    });
    mockResponse(201, '{"ok":true}');
    runCode({
      method: 'post',
      url: 'https://hooks.example/orders/{transaction_id}',
      headers: [{name: 'Authorization', value: 'Bearer abc'}, {name: 'X-Order', value: 'order {transaction_id}'}],
      body_format: 'json',
      body: [
        {key: 'amount', value: '{value}'},
        {key: 'items', value: '{items}'},
        {key: 'label', value: 'Order {transaction_id} for {user_data.email_address}'},
        {key: 'missing', value: '{nope}'},
        {key: 'fixed', value: 'constant'}
      ],
      timeout_ms: '2500'
    });
    assertThat(sent.url).isEqualTo('https://hooks.example/orders/T-1001');
    assertThat(sent.options).isEqualTo({
      method: 'POST',
      headers: {'Authorization': 'Bearer abc', 'X-Order': 'order T-1001', 'Content-Type': 'application/json'},
      timeout: 2500
    });
    assertThat(JSON.parse(sent.body)).isEqualTo({
      amount: 59.98,
      items: [{item_id: 'SKU-1', quantity: 2}],
      label: 'Order T-1001 for jane@example.com',
      missing: '',
      fixed: 'constant'
    });
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: form body is URL-encoded and a configured Content-Type wins
  code: |-
    mock('getAllEventData', {click_id: 'a b&c', value: 10});
    mockResponse(200, '');
    runCode({
      method: 'PUT',
      url: 'https://p.example/f',
      headers: [{name: 'content-type', value: 'application/x-www-form-urlencoded; charset=utf-8'}],
      body_format: 'form',
      body: [{key: 'cid', value: '{click_id}'}, {key: 'amt', value: '{value}'}, {key: 'note', value: 'x=y'}]
    });
    assertThat(sent.body).isEqualTo('cid=a%20b%26c&amt=10&note=x%3Dy');
    assertThat(sent.options.headers).isEqualTo({'content-type': 'application/x-www-form-urlencoded; charset=utf-8'});
- name: whole event data as JSON, body fields on top
  code: |-
    const event = {event_name: 'sign_up', client_id: '1.2', value: 3};
    mock('getAllEventData', event);
    mockResponse(200, '');
    runCode({method: 'POST', url: 'https://p.example/e', body_format: 'none', body_include_event_data: true,
             body: [{key: 'value', value: '7'}, {key: 'source', value: 'tagd'}]});
    assertThat(JSON.parse(sent.body)).isEqualTo({event_name: 'sign_up', client_id: '1.2', value: '7', source: 'tagd'});
    assertThat(sent.options.headers['Content-Type']).isEqualTo('application/json');
- name: a variable-resolved non-string body value is sent as is
  code: |-
    mock('getAllEventData', {});
    mockResponse(200, '');
    runCode({method: 'POST', url: 'https://p.example/v', body_format: 'json',
             body: [{key: 'n', value: 42}, {key: 'o', value: {a: [1, 2]}}, {key: 'b', value: false}]});
    assertThat(JSON.parse(sent.body)).isEqualTo({n: 42, o: {a: [1, 2]}, b: false});
- name: status outside the success range fails and logs status and body
  code: |-
    mock('getAllEventData', {});
    mockResponse(500, 'upstream broke');
    runCode({url: 'https://p.example/pb'});
    callLater(() => {
      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
      assertApi('logToConsole').wasCalledWith({
        message: 'http-request: unexpected response status', method: 'GET', status: 500, body: 'upstream broke'
      });
    });
- name: a 3xx class in the success list accepts 302
  code: |-
    mock('getAllEventData', {});
    mockResponse(302, '');
    runCode({url: 'https://p.example/pb', success_status: '204, 3xx'});
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: custom success list rejects a code outside it
  code: |-
    mock('getAllEventData', {});
    mockResponse(200, 'ok');
    runCode({url: 'https://p.example/pb', success_status: '201-202'});
    callLater(() => {
      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
    });
- name: unreadable success_status falls back to 200-299 and says so
  code: |-
    mock('getAllEventData', {});
    mockResponse(250, '');
    runCode({url: 'https://p.example/pb', success_status: 'ok', timeout_ms: 'soon'});
    assertThat(sent.options.timeout).isEqualTo(5000);
    assertApi('logToConsole').wasCalledWith({
      message: 'http-request: cannot read success_status, using 200-299', success_status: 'ok'
    });
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: network failure or timeout fails the tag
  code: |-
    mock('getAllEventData', {});
    mock('sendHttpRequest', () => Promise.create((resolve, reject) => reject({reason: 'timed_out'})));
    runCode({url: 'https://p.example/pb'});
    callLater(() => {
      assertApi('gtmOnFailure').wasCalled();
      assertApi('logToConsole').wasCalledWith({message: 'http-request: request failed', method: 'GET', reason: 'timed_out'});
    });
- name: empty URL after expansion fails without sending
  code: |-
    mock('getAllEventData', {});
    mockResponse(200, '');
    runCode({url: '{missing}'});
    assertApi('sendHttpRequest').wasNotCalled();
    assertApi('gtmOnFailure').wasCalled();
    assertApi('logToConsole').wasCalledWith({message: 'http-request: url is empty'});
- name: unknown method fails without sending
  code: |-
    mock('getAllEventData', {});
    mockResponse(200, '');
    runCode({method: 'TRACE', url: 'https://p.example/'});
    assertApi('sendHttpRequest').wasNotCalled();
    assertApi('gtmOnFailure').wasCalled();
    assertApi('logToConsole').wasCalledWith({method: 'TRACE', message: 'http-request: unsupported method'});
setup: |-
  const JSON = require('JSON');
  const Promise = require('Promise');
  const callLater = require('callLater');
  let sent;
  // Records the request and answers with the given status and body.
  const mockResponse = (status, body) => {
    mock('sendHttpRequest', (url, options, requestBody) => {
      sent = {url: url, options: options, body: requestBody};
      return Promise.create((resolve) => resolve({statusCode: status, headers: {}, body: body}));
    });
  };


___NOTES___

Built-in tagd template, written for tagd from scratch.
