___INFO___

{
  "type": "MACRO",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Cookie Value",
  "categories": [
    "UTILITY"
  ],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "The value of a request cookie, optionally with the id taken out of a known format (_ga client id, gclid, fbclid).",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "name",
    "displayName": "Cookie name",
    "simpleValueType": true,
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ],
    "alwaysInSummary": true,
    "help": "Name of the request cookie to read, e.g. _fbp, _ga or the click-id cookie."
  },
  {
    "type": "SELECT",
    "name": "extract",
    "displayName": "Return",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "raw",
        "displayValue": "The whole value"
      },
      {
        "value": "ga_client_id",
        "displayValue": "GA client id from _ga (GA1.1.<id>.<time>)"
      },
      {
        "value": "gclid",
        "displayValue": "gclid from _gcl_aw or FPGCLAW"
      },
      {
        "value": "fbclid",
        "displayValue": "fbclid from _fbc"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "raw",
    "help": "The whole cookie value, or the id inside a known cookie format (undefined when the value does not have that format)."
  },
  {
    "type": "CHECKBOX",
    "name": "decode",
    "checkboxText": "URI-decode the value",
    "displayName": "Decoding",
    "simpleValueType": true,
    "defaultValue": true,
    "help": "Cookie values are URI-decoded unless unticked."
  },
  {
    "type": "CHECKBOX",
    "name": "all_values",
    "checkboxText": "Return all values as a list",
    "displayName": "Several cookies",
    "simpleValueType": true,
    "defaultValue": false,
    "help": "A request may carry several cookies of one name (set for different domains or paths); by default the first is returned."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const getCookieValues = require('getCookieValues');
const getType = require('getType');
const makeString = require('makeString');

const name = text(data.name).trim();
if (!name) {
  return undefined;
}
const raw = getCookieValues(name, !flag(data.decode, true));
const values = (getType(raw) === 'array' ? raw : []).map((value) => extract(text(value).trim()))
  .filter((value) => value !== '');
if (values.length === 0) {
  return undefined;
}
return flag(data.all_values, false) ? values : values[0];

// extract: the whole value, or the id inside a known cookie format.
function extract(value) {
  const mode = text(data.extract).trim();
  if (mode === 'ga_client_id') {
    // _ga: GA1.<level>.<random>.<seconds> holds the client id <random>.<seconds>.
    const parts = value.split('.');
    return parts.length >= 4 ? parts[parts.length - 2] + '.' + parts[parts.length - 1] : '';
  }
  if (mode === 'gclid') {
    // _gcl_aw: GCL.<seconds>.<gclid>; FPGCLAW: 2.1.k<gclid>$i<seconds>.
    if (value.indexOf('GCL.') === 0) {
      return value.split('.').slice(2).join('.');
    }
    const start = value.indexOf('.k');
    if (start < 0) {
      return '';
    }
    const id = value.substring(start + 2);
    return id.indexOf('$') >= 0 ? id.substring(0, id.indexOf('$')) : id;
  }
  if (mode === 'fbclid') {
    // _fbc: fb.<index>.<ms>.<fbclid>[.<extra>]
    const parts = value.split('.');
    return parts.length >= 4 && parts[0] === 'fb' ? parts[3] : '';
  }
  return value;
}

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

// Checkbox values may arrive as booleans or, from hand-written configs, as strings.
function flag(value, fallback) {
  if (value === true || value === 'true') {
    return true;
  }
  if (value === false || value === 'false') {
    return false;
  }
  return fallback;
}


___SERVER_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "get_cookies",
        "versionId": "1"
      },
      "param": [
        {
          "key": "cookieAccess",
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
- name: returns the first value, decoded unless told otherwise
  code: |-
    mock('getCookieValues', (name, noDecode) => {
      assertThat(name).isEqualTo('click_id');
      return noDecode ? ['a%20b', 'second'] : ['a b', 'second'];
    });
    assertThat(runCode({name: 'click_id', decode: true})).isEqualTo('a b');
    assertThat(runCode({name: 'click_id', decode: false})).isEqualTo('a%20b');
    assertThat(runCode({name: 'click_id', all_values: true})).isEqualTo(['a b', 'second']);
- name: known formats yield the id inside
  code: |-
    mock('getCookieValues', (name) => ({
      _ga: ['GA1.1.1234567890.1716199000'], _gcl_aw: ['GCL.1716199000.Cj0KCQjwABC'],
      FPGCLAW: ['2.1.kCj0KCQjwXYZ$i1716199000'], _fbc: ['fb.1.1716199000123.IwAR2F4-dbP0'], bad: ['x']
    })[name] || []);
    assertThat(runCode({name: '_ga', extract: 'ga_client_id'})).isEqualTo('1234567890.1716199000');
    assertThat(runCode({name: '_gcl_aw', extract: 'gclid'})).isEqualTo('Cj0KCQjwABC');
    assertThat(runCode({name: 'FPGCLAW', extract: 'gclid'})).isEqualTo('Cj0KCQjwXYZ');
    assertThat(runCode({name: '_fbc', extract: 'fbclid'})).isEqualTo('IwAR2F4-dbP0');
    assertThat(runCode({name: 'bad', extract: 'ga_client_id'})).isUndefined();
- name: a missing cookie or name is undefined
  code: |-
    mock('getCookieValues', () => []);
    assertThat(runCode({name: 'nope'})).isUndefined();
    assertThat(runCode({name: ''})).isUndefined();
setup: ''


___NOTES___

Built-in tagd template, written for tagd from scratch.
