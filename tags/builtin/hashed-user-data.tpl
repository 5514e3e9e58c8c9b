___INFO___

{
  "type": "MACRO",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Hashed User Data",
  "categories": [
    "UTILITY"
  ],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "One piece of customer information (email, phone, name, address, ...) normalised by a vendor's rules and SHA-256 hashed, for templates and requests that need it hashed.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "SELECT",
    "name": "field",
    "displayName": "Field",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "email",
        "displayValue": "email"
      },
      {
        "value": "phone",
        "displayValue": "phone"
      },
      {
        "value": "first_name",
        "displayValue": "first_name"
      },
      {
        "value": "last_name",
        "displayValue": "last_name"
      },
      {
        "value": "street",
        "displayValue": "street"
      },
      {
        "value": "city",
        "displayValue": "city"
      },
      {
        "value": "region",
        "displayValue": "region"
      },
      {
        "value": "postal_code",
        "displayValue": "postal_code"
      },
      {
        "value": "country",
        "displayValue": "country"
      },
      {
        "value": "gender",
        "displayValue": "gender"
      },
      {
        "value": "date_of_birth",
        "displayValue": "date_of_birth"
      },
      {
        "value": "external_id",
        "displayValue": "external_id"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "email",
    "help": "Which piece of customer information. Without a value below it is read from the event's user_data (user_data.email_address, user_data.phone_number, user_data.address.*, ...; external_id also from user_id)."
  },
  {
    "type": "TEXT",
    "name": "value",
    "displayName": "Value",
    "simpleValueType": true,
    "help": "Optional raw value, usually a {{variable}}. Empty: read from event data."
  },
  {
    "type": "SELECT",
    "name": "rules",
    "displayName": "Normalisation rules",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "meta",
        "displayValue": "Meta (also Snapchat, Pinterest)"
      },
      {
        "value": "google",
        "displayValue": "Google (Ads, GA4)"
      },
      {
        "value": "tiktok",
        "displayValue": "TikTok"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "meta",
    "help": "Meta: email lower case; phone digits with country code; names lower case without punctuation; city without spaces; US states as codes; ZIP+4 cut to 5 digits. Google: trimmed, lower case, gmail dots removed, phone E.164 with +. TikTok: email lower case, phone E.164 with +."
  },
  {
    "type": "SELECT",
    "name": "output",
    "displayName": "Output",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "sha256",
        "displayValue": "SHA-256 hex of the normalised value"
      },
      {
        "value": "normalised",
        "displayValue": "Normalised value, not hashed"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "sha256",
    "help": "Values that already are SHA-256 hex are returned lower-cased either way."
  },
  {
    "type": "CHECKBOX",
    "name": "all_values",
    "checkboxText": "Return all values as a list",
    "displayName": "Several values",
    "simpleValueType": true,
    "defaultValue": false,
    "help": "When the source holds several values (a list of emails), return the list; otherwise only the first is returned."
  },
  {
    "type": "TEXT",
    "name": "default_phone_country_code",
    "displayName": "Default phone country code",
    "simpleValueType": true,
    "valueHint": "44",
    "help": "Optional calling code (digits, e.g. 1 or 44) for phone numbers written without + or 00. Such numbers are then taken as national numbers: leading zeros are dropped and this code is put in front. Leave empty when your numbers already carry their country code."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const Object = require('Object');
const getEventData = require('getEventData');
const getType = require('getType');
const makeString = require('makeString');
const sha256Sync = require('sha256Sync');

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const WHITESPACE = ' \t\n\r\f\v\u00a0';
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
// Full US state names (lower case, no spaces) to the two-letter codes the vendors expect.
const US_STATES = {
  alabama: 'al', alaska: 'ak', arizona: 'az', arkansas: 'ar', california: 'ca', colorado: 'co',
  connecticut: 'ct', delaware: 'de', districtofcolumbia: 'dc', florida: 'fl', georgia: 'ga',
  hawaii: 'hi', idaho: 'id', illinois: 'il', indiana: 'in', iowa: 'ia', kansas: 'ks',
  kentucky: 'ky', louisiana: 'la', maine: 'me', maryland: 'md', massachusetts: 'ma',
  michigan: 'mi', minnesota: 'mn', mississippi: 'ms', missouri: 'mo', montana: 'mt',
  nebraska: 'ne', nevada: 'nv', newhampshire: 'nh', newjersey: 'nj', newmexico: 'nm',
  newyork: 'ny', northcarolina: 'nc', northdakota: 'nd', ohio: 'oh', oklahoma: 'ok',
  oregon: 'or', pennsylvania: 'pa', rhodeisland: 'ri', southcarolina: 'sc', southdakota: 'sd',
  tennessee: 'tn', texas: 'tx', utah: 'ut', vermont: 'vt', virginia: 'va', washington: 'wa',
  westvirginia: 'wv', wisconsin: 'wi', wyoming: 'wy', puertorico: 'pr'
};

// Where each field is read from when no value is given, and its key in Meta's vocabulary.
const FIELDS = {
  email: {key: 'em', paths: ['user_data.email_address', 'user_data.email', 'user_data.sha256_email_address']},
  phone: {key: 'ph', paths: ['user_data.phone_number', 'user_data.sha256_phone_number']},
  first_name: {key: 'fn', paths: ['user_data.address.first_name', 'user_data.address.sha256_first_name']},
  last_name: {key: 'ln', paths: ['user_data.address.last_name', 'user_data.address.sha256_last_name']},
  street: {key: 'street', paths: ['user_data.address.street', 'user_data.address.sha256_street']},
  city: {key: 'ct', paths: ['user_data.address.city']},
  region: {key: 'st', paths: ['user_data.address.region']},
  postal_code: {key: 'zp', paths: ['user_data.address.postal_code']},
  country: {key: 'country', paths: ['user_data.address.country']},
  gender: {key: 'ge', paths: ['user_data.gender']},
  date_of_birth: {key: 'db', paths: ['user_data.date_of_birth']},
  external_id: {key: 'external_id', paths: ['user_data.external_id', 'user_id']}
};

const fieldName = text(data.field).trim() || 'email';
if (!hasKey(FIELDS, fieldName)) {
  return undefined;
}
const field = FIELDS[fieldName];
const rules = text(data.rules).trim() || 'meta';
const eventData = {};
let values;
if (data.value !== undefined && data.value !== null && text(data.value).trim() !== '') {
  values = flatten([data.value]);
} else {
  // Read only the user_data (and user_id) branch of the event, as the permission allows.
  eventData.user_data = getEventData('user_data');
  eventData.user_id = getEventData('user_id');
  values = firstValues(field.paths);
}

let out;
if (text(data.output).trim() === 'normalised') {
  out = [];
  values.forEach((value) => {
    const raw = text(value).trim();
    const normalised = raw && (isSha256Hex(raw) ? raw.toLowerCase() : normalise(raw));
    if (normalised && out.indexOf(normalised) < 0) {
      out.push(normalised);
    }
  });
} else {
  out = hashValues(values, normalise);
}
if (out.length === 0) {
  return undefined;
}
return flag(data.all_values, false) ? out : out[0];

// The vendor's rules: Meta (also Snapchat and Pinterest), Google (Ads, GA4) or TikTok.
function normalise(raw) {
  const lower = raw.trim().toLowerCase();
  if (rules === 'google' || rules === 'tiktok') {
    if (fieldName === 'email') {
      return rules === 'google' ? googleEmail(raw) : lower;
    }
    if (fieldName === 'phone') {
      return phoneE164(raw);
    }
    if (fieldName === 'external_id') {
      return raw.trim();
    }
    if (rules === 'google' && ['first_name', 'last_name', 'street', 'city', 'region', 'postal_code'].indexOf(fieldName) >= 0) {
      return lower;
    }
  }
  if (fieldName === 'street') {
    return lower;
  }
  return normaliseUserField(field.key, raw);
}

// hashValues normalises and SHA-256 hashes (lower-case hex) each string or number in
// values. A value that already is 64 hex characters is taken as a hash and passed through
// lower-cased. Values the normaliser empties, and repeats, are dropped.
function hashValues(values, normalise) {
  const out = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const type = getType(value);
    if (type !== 'string' && type !== 'number') {
      continue;
    }
    const raw = makeString(value).trim();
    if (!raw) {
      continue;
    }
    let hashed = '';
    if (isSha256Hex(raw)) {
      hashed = raw.toLowerCase();
    } else {
      const normalised = normalise(raw);
      if (normalised) {
        hashed = sha256Sync(normalised, {outputEncoding: 'hex'});
      }
    }
    if (hashed && out.indexOf(hashed) < 0) {
      out.push(hashed);
    }
  }
  return out;
}

// firstValues returns the values at the first key path in paths that yields any.
function firstValues(paths) {
  for (let i = 0; i < paths.length; i++) {
    const values = valuesAt(eventData, paths[i]).filter((value) => text(value).trim() !== '');
    if (values.length > 0) {
      return values;
    }
  }
  return [];
}

// normaliseUserField applies the customer-information rules Meta, Snapchat and Pinterest
// share (protocols.md c.3, d.3, d.4) to one raw value. An empty result drops the value.
function normaliseUserField(field, raw) {
  const lower = raw.trim().toLowerCase();
  if (field === 'em') {
    return lower;
  }
  if (field === 'ph') {
    return phoneDigits(raw);
  }
  if (field === 'fn' || field === 'ln') {
    return removeAll(lower, PUNCTUATION).trim();
  }
  if (field === 'ge') {
    const gender = keepOnly(lower, LETTERS);
    if (gender === 'f' || gender === 'female') {
      return 'f';
    }
    return gender === 'm' || gender === 'male' ? 'm' : '';
  }
  if (field === 'db') {
    const date = keepOnly(lower, DIGITS);
    const century = date.substring(0, 2);
    return date.length === 8 && (century === '19' || century === '20') ? date : '';
  }
  if (field === 'ct') {
    return removeAll(lower, PUNCTUATION + WHITESPACE + DIGITS);
  }
  if (field === 'st') {
    const state = removeAll(lower, PUNCTUATION + WHITESPACE);
    return hasKey(US_STATES, state) ? US_STATES[state] : state;
  }
  if (field === 'zp') {
    const zip = removeAll(lower, WHITESPACE);
    const isZipPlus4 = zip.length === 10 && zip.charAt(5) === '-' &&
      keepOnly(zip.substring(0, 5) + zip.substring(6), DIGITS).length === 9;
    return isZipPlus4 ? zip.substring(0, 5) : zip;
  }
  if (field === 'country') {
    const country = keepOnly(lower, LETTERS);
    return country.length === 2 ? country : '';
  }
  // external_id and anything else: ids may be case-sensitive, so only trimmed.
  return raw.trim();
}

// googleEmail is Google's email normalisation: trimmed, lower case, and for gmail.com and
// googlemail.com addresses without the dots of the local part.
function googleEmail(raw) {
  const email = raw.trim().toLowerCase();
  const at = email.lastIndexOf('@');
  if (at <= 0) {
    return email;
  }
  const domain = email.substring(at + 1);
  if (domain !== 'gmail.com' && domain !== 'googlemail.com') {
    return email;
  }
  return email.substring(0, at).split('.').join('') + '@' + domain;
}

// phoneDigits gives a phone number as country code + national number, digits only. A
// number written with + or 00 already carries its country code. Otherwise, when
// default_phone_country_code is set, the number is national: its trunk zeros are dropped
// and the code put in front. Without it, leading zeros are dropped (Meta SDK behaviour).
function phoneDigits(raw) {
  const trimmed = text(raw).trim();
  const digits = keepOnly(trimmed, DIGITS);
  if (!digits || trimmed.charAt(0) === '+') {
    return digits;
  }
  if (digits.substring(0, 2) === '00') {
    return digits.substring(2);
  }
  let national = digits;
  while (national.charAt(0) === '0') {
    national = national.substring(1);
  }
  return national ? keepOnly(text(data.default_phone_country_code), DIGITS) + national : '';
}

// phoneE164 is phoneDigits with the leading + of E.164.
function phoneE164(raw) {
  const digits = phoneDigits(raw);
  return digits ? '+' + digits : '';
}

// Returns every value at a dotted path, descending into arrays at any level.
function valuesAt(obj, keyPath) {
  if (getType(obj) !== 'object') {
    return [];
  }
  if (hasKey(obj, keyPath)) {
    return flatten([obj[keyPath]]);
  }
  // Most paths are absent: give up before building anything when the first segment is.
  const dot = keyPath.indexOf('.');
  if (dot < 0 || obj[keyPath.substring(0, dot)] === undefined) {
    return [];
  }
  let nodes = [obj];
  const parts = keyPath.split('.');
  for (let p = 0; p < parts.length && nodes.length > 0; p++) {
    const next = [];
    const flat = flatten(nodes);
    for (let i = 0; i < flat.length; i++) {
      if (getType(flat[i]) === 'object' && hasKey(flat[i], parts[p])) {
        next.push(flat[i][parts[p]]);
      }
    }
    nodes = next;
  }
  return flatten(nodes);
}

function flatten(list) {
  const out = [];
  appendFlat(out, list);
  return out;
}

function appendFlat(out, list) {
  for (let i = 0; i < list.length; i++) {
    const value = list[i];
    if (getType(value) === 'array') {
      appendFlat(out, value);
    } else if (value !== undefined && value !== null) {
      out.push(value);
    }
  }
}

// An own key with a value. Cheap: no key list is built per lookup. Event data cannot
// break it by shadowing hasOwnProperty (then the value test alone decides).
function hasKey(obj, key) {
  const v = obj[key];
  if (v === undefined) {
    return false;
  }
  return typeof obj.hasOwnProperty !== 'function' || obj.hasOwnProperty(key);
}

function isSha256Hex(value) {
  return value.length === 64 && keepOnly(value.toLowerCase(), HEX).length === 64;
}

// Copies nothing when every character is allowed, the common case.
function keepOnly(value, allowed) {
  let i = 0;
  while (i < value.length && allowed.indexOf(value[i]) >= 0) {
    i++;
  }
  if (i === value.length) {
    return value;
  }
  let out = value.substring(0, i);
  for (i++; i < value.length; i++) {
    if (allowed.indexOf(value[i]) >= 0) {
      out += value[i];
    }
  }
  return out;
}

function removeAll(value, unwanted) {
  let i = 0;
  while (i < value.length && unwanted.indexOf(value[i]) < 0) {
    i++;
  }
  if (i === value.length) {
    return value;
  }
  let out = value.substring(0, i);
  for (i++; i < value.length; i++) {
    if (unwanted.indexOf(value[i]) < 0) {
      out += value[i];
    }
  }
  return out;
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
        "publicId": "read_event_data",
        "versionId": "1"
      },
      "param": [
        {
          "key": "eventDataAccess",
          "value": {
            "type": 1,
            "string": "specific"
          }
        },
        {
          "key": "keyPatterns",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "user_data"
              },
              {
                "type": 1,
                "string": "user_id"
              }
            ]
          }
        }
      ]
    },
    "isRequired": true
  }
]


___TESTS___

scenarios:
- name: email and phone from user_data are normalised and hashed per vendor
  code: |-
    mockUserData({email_address: ' Jane.Doe@GMail.com ', phone_number: '+1 (555) 123-4567'});
    assertThat(runCode({field: 'email', rules: 'meta', output: 'sha256'})).isEqualTo('831f6494ad6be4fcb3a724c3d5fef22d3ceffa3c62ef3a7984e45a0ea177f982');
    assertThat(runCode({field: 'email', rules: 'google', output: 'sha256'})).isEqualTo('d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69');
    assertThat(runCode({field: 'email', rules: 'google', output: 'normalised'})).isEqualTo('janedoe@gmail.com');
    assertThat(runCode({field: 'phone', rules: 'meta', output: 'sha256'})).isEqualTo('d6736136ea896c1bfdc553e0e86e702c70d060d805696ca3e4e9e0961353860a');
    assertThat(runCode({field: 'phone', rules: 'tiktok', output: 'sha256'})).isEqualTo('8a59780bb8cd2ba022bfa5ba2ea3b6e07af17a7d8b30c1f9b3390e36f69019e4');
    assertThat(runCode({field: 'phone', rules: 'google', output: 'normalised'})).isEqualTo('+15551234567');
- name: a given value wins over event data; national phones take the default country code
  code: |-
    mockUserData({email_address: 'other@example.com'});
    assertThat(runCode({field: 'email', value: 'Jane.Doe@Example.com', rules: 'meta'})).isEqualTo('86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d');
    assertThat(runCode({field: 'phone', value: '020 7946 0018', default_phone_country_code: '44', output: 'normalised'})).isEqualTo('442079460018');
- name: address fields, gender and birth date follow Meta's rules; already hashed values pass through
  code: |-
    mockUserData({address: {first_name: 'Mary-Jane', city: 'San Francisco', region: 'California', postal_code: '94107-1234', country: 'US'},
      gender: 'Female', date_of_birth: '1990-05-17', sha256_email_address: 'D6117306485ED0E50AFAB3AC871E98F81699151F30281527D63FF5F233656C69'});
    const n = (f) => runCode({field: f, output: 'normalised'});
    assertThat(n('first_name')).isEqualTo('maryjane');
    assertThat(n('city')).isEqualTo('sanfrancisco');
    assertThat(n('region')).isEqualTo('ca');
    assertThat(n('postal_code')).isEqualTo('94107');
    assertThat(n('country')).isEqualTo('us');
    assertThat(n('gender')).isEqualTo('f');
    assertThat(n('date_of_birth')).isEqualTo('19900517');
    assertThat(runCode({field: 'email'})).isEqualTo('d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69');
    assertThat(runCode({field: 'city', rules: 'google', output: 'normalised'})).isEqualTo('san francisco');
- name: several values come back as a list when asked; nothing usable is undefined
  code: |-
    mockUserData({email_address: ['a@example.com', 'A@example.com ', 'b@example.com']});
    assertThat(runCode({field: 'email', all_values: true, output: 'normalised'})).isEqualTo(['a@example.com', 'b@example.com']);
    assertThat(runCode({field: 'email', output: 'normalised'})).isEqualTo('a@example.com');
    mockUserData({gender: 'unknown'});
    assertThat(runCode({field: 'gender'})).isUndefined();
    assertThat(runCode({field: 'email'})).isUndefined();
    assertThat(runCode({field: 'nonsense'})).isUndefined();
- name: external_id falls back to user_id and keeps its case
  code: |-
    mock('getEventData', (key) => key === 'user_id' ? ' User-42 ' : undefined);
    assertThat(runCode({field: 'external_id'})).isEqualTo('fafe5e551759817bdc65038b8cb1a8263b1a8b3b60c269d67ff0f8c57ae0f733');
setup: |-
  const mockUserData = (userData) => mock('getEventData', (key) => key === 'user_data' ? userData : undefined);


___NOTES___

Built-in tagd template, written for tagd from scratch.
