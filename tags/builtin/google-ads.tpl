___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Google Ads Conversions",
  "categories": [
    "ADVERTISING",
    "CONVERSIONS"
  ],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "Uploads conversions to the Google Ads API: click conversions with gclid/gbraid/wbraid, value, currency and order id, with email and phone hashed per Google's rules, or enhancements of tag conversions with customer data.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "customer_id",
    "displayName": "Customer ID",
    "simpleValueType": true,
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ],
    "alwaysInSummary": true,
    "help": "The Google Ads customer (account) that owns the conversion action, e.g. 123-456-7890 (dashes are ignored)."
  },
  {
    "type": "TEXT",
    "name": "conversion_action",
    "displayName": "Conversion action",
    "simpleValueType": true,
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ],
    "help": "The conversion action id (e.g. 987654321) or its full resource name customers/<id>/conversionActions/<id>. Click mode needs an UPLOAD_CLICKS action, enhancement mode a WEBPAGE action with enhanced conversions on."
  },
  {
    "type": "SELECT",
    "name": "mode",
    "displayName": "Upload",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "click",
        "displayValue": "Click conversion (uploadClickConversions)"
      },
      {
        "value": "enhancement",
        "displayValue": "Enhancement of a tag conversion (uploadConversionAdjustments)"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "click",
    "help": "Click conversion: the conversion itself, identified by gclid/gbraid/wbraid or, without one, by hashed email/phone (enhanced conversions for leads). Enhancement: adds hashed customer data (email, phone, name and address) to a conversion the Google tag already reported, matched by transaction_id; upload it within 24 hours."
  },
  {
    "type": "TEXT",
    "name": "developer_token",
    "displayName": "Developer token",
    "simpleValueType": true,
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ],
    "help": "Your Google Ads API developer token (developer-token header)."
  },
  {
    "type": "TEXT",
    "name": "login_customer_id",
    "displayName": "Login customer ID",
    "simpleValueType": true,
    "help": "Optional manager account id (login-customer-id header) when access goes through a manager account."
  },
  {
    "type": "TEXT",
    "name": "access_token",
    "displayName": "OAuth access token",
    "simpleValueType": true,
    "help": "An OAuth 2.0 access token with the https://www.googleapis.com/auth/adwords scope. Leave empty to use the refresh token below instead."
  },
  {
    "type": "TEXT",
    "name": "client_id",
    "displayName": "OAuth client ID",
    "simpleValueType": true,
    "help": "OAuth client id, used with the client secret and refresh token to obtain access tokens (cached until shortly before they expire)."
  },
  {
    "type": "TEXT",
    "name": "client_secret",
    "displayName": "OAuth client secret",
    "simpleValueType": true,
    "help": "OAuth client secret."
  },
  {
    "type": "TEXT",
    "name": "refresh_token",
    "displayName": "OAuth refresh token",
    "simpleValueType": true,
    "help": "OAuth refresh token for a user with access to the customer."
  },
  {
    "type": "TEXT",
    "name": "api_version",
    "displayName": "Google Ads API version",
    "simpleValueType": true,
    "defaultValue": "v26",
    "help": "API version in the request path, e.g. v26. Empty means v26."
  },
  {
    "type": "CHECKBOX",
    "name": "send_user_data",
    "checkboxText": "Send hashed customer information",
    "displayName": "Customer information",
    "simpleValueType": true,
    "defaultValue": true,
    "help": "When ticked, customer information from user_data (email, phone, ...) is normalised and SHA-256 hashed. Values that already are SHA-256 hex are passed through. Google rules: trimmed and lower-cased; gmail.com/googlemail.com addresses lose the dots before @; phones in E.164 with +; names and street hashed, city/state/postal code/country in clear (enhancement mode only)."
  },
  {
    "type": "TEXT",
    "name": "default_phone_country_code",
    "displayName": "Default phone country code",
    "simpleValueType": true,
    "valueHint": "44",
    "help": "Optional calling code (digits, e.g. 1 or 44) for phone numbers written without + or 00. Such numbers are then taken as national numbers: leading zeros are dropped and this code is put in front. Leave empty when your numbers already carry their country code."
  },
  {
    "type": "CHECKBOX",
    "name": "respect_consent",
    "checkboxText": "Honour the event's consent signals",
    "displayName": "Consent",
    "simpleValueType": true,
    "defaultValue": true,
    "help": "Reads consent_state (or consent, x-ga-gcs, x-ga-gcd) from the event. Denied ad_user_data: no customer information and no IP address is sent. Denied ad_storage: see below. Events without consent signals are sent normally. Untick only when consent is enforced elsewhere (for example by a blocking trigger).",
    "subParams": [
      {
        "type": "SELECT",
        "name": "ad_storage_denied",
        "displayName": "When ad_storage is denied",
        "macrosInSelect": false,
        "selectItems": [
          {
            "value": "skip",
            "displayValue": "Do not send the event"
          },
          {
            "value": "anonymous",
            "displayValue": "Send it without cookie and click identifiers"
          }
        ],
        "simpleValueType": true,
        "defaultValue": "skip",
        "enablingConditions": [
          {
            "paramName": "respect_consent",
            "paramValue": true,
            "type": "EQUALS"
          }
        ],
        "help": "Do not send: the tag succeeds without a request. Send without identifiers: browser and click ids (cookies, click ids from the landing URL) are left out."
      }
    ]
  },
  {
    "type": "CHECKBOX",
    "name": "validate_only",
    "checkboxText": "Validate without recording",
    "displayName": "Validate only",
    "simpleValueType": true,
    "defaultValue": false,
    "help": "Sets validateOnly: Google checks the upload but records nothing."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const Math = require('Math');
const encodeUriComponent = require('encodeUriComponent');
const getAllEventData = require('getAllEventData');
const getCookieValues = require('getCookieValues');
const getTimestampMillis = require('getTimestampMillis');
const getType = require('getType');
const logToConsole = require('logToConsole');
const makeNumber = require('makeNumber');
const makeString = require('makeString');
const parseUrl = require('parseUrl');
const sendHttpRequest = require('sendHttpRequest');
const sha256Sync = require('sha256Sync');
const templateDataStorage = require('templateDataStorage');

const ADS_URL = 'https://googleads.googleapis.com/';
const TOKEN_URL = 'https://oauth2.googleapis.com/token';
const DEFAULT_API_VERSION = 'v26';
const MAX_LOGGED_BODY = 1000;
const MAX_IDENTIFIERS = 5;
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';

const eventData = getAllEventData() || {};

const customerId = digitsOf(text(data.customer_id));
// A bare conversion action id becomes customers/<customer>/conversionActions/<id>.
const actionSetting = text(data.conversion_action).trim();
let conversionAction = actionSetting;
if (actionSetting.indexOf('customers/') !== 0) {
  conversionAction = actionSetting && digitsOf(actionSetting) === actionSetting ?
    'customers/' + customerId + '/conversionActions/' + actionSetting : '';
}
const developerToken = text(data.developer_token).trim();
if (!customerId || !conversionAction || !developerToken) {
  return fail('customer_id, conversion_action and developer_token are required');
}
const enhancement = text(data.mode).trim() === 'enhancement';
const consent = consentPolicy();
if (!consent.send) {
  logToConsole({message: 'google-ads: ad_storage consent denied, conversion not sent', event_name: eventData.event_name});
  return data.gtmOnSuccess();
}

const orderId = text(eventData.transaction_id).trim();
const identifiers = consent.userData && flag(data.send_user_data, true) ? userIdentifiers() : [];
const click = consent.identifiers ? clickId() : {};
let method;
let body;
if (enhancement) {
  // Enhancements attach hashed customer data to a conversion the Google tag already sent,
  // matched by order id (protocols.md d.2).
  if (!orderId || identifiers.length === 0) {
    return skip('an enhancement needs transaction_id and customer information');
  }
  const adjustment = {conversionAction: conversionAction, adjustmentType: 'ENHANCEMENT', orderId: orderId};
  const pair = {conversionDateTime: utcDateTime(eventTime())};
  setIf(pair, 'gclid', click.gclid);
  adjustment.gclidDateTimePair = pair;
  adjustment.userIdentifiers = identifiers;
  setIf(adjustment, 'userAgent', text(eventData.user_agent));
  method = 'uploadConversionAdjustments';
  body = {conversionAdjustments: [adjustment], partialFailure: true};
} else {
  // Click conversions identify the click by gclid/gbraid/wbraid or, for enhanced
  // conversions for leads, by hashed email and phone alone (userIdentifiers adds an
  // address only in enhancement mode, so identifiers holds nothing else here).
  if (!click.name && identifiers.length === 0) {
    return skip('no gclid, gbraid or wbraid and no customer information');
  }
  const conversion = {};
  if (click.name) {
    conversion[click.name] = click.value;
  }
  conversion.conversionAction = conversionAction;
  conversion.conversionDateTime = utcDateTime(eventTime());
  setIf(conversion, 'conversionValue', numberOr(eventData.value, undefined));
  setIf(conversion, 'currencyCode', text(eventData.currency).trim().toUpperCase());
  setIf(conversion, 'orderId', orderId);
  if (identifiers.length > 0) {
    conversion.userIdentifiers = identifiers;
  }
  const adsConsent = {};
  setIf(adsConsent, 'adUserData', consentState('ad_user_data').toUpperCase());
  setIf(adsConsent, 'adPersonalization', consentState('ad_personalization').toUpperCase());
  if (adsConsent.adUserData || adsConsent.adPersonalization) {
    conversion.consent = adsConsent;
  }
  method = 'uploadClickConversions';
  body = {conversions: [conversion], partialFailure: true};
}
if (flag(data.validate_only, false)) {
  body.validateOnly = true;
}

let apiVersion = text(data.api_version).trim() || DEFAULT_API_VERSION;
if (DIGITS.indexOf(apiVersion.charAt(0)) >= 0) {
  apiVersion = 'v' + apiVersion;
}
const url = ADS_URL + encodeUriComponent(apiVersion) + '/customers/' + customerId + ':' + method;

withAccessToken((token) => {
  const headers = {
    'Authorization': 'Bearer ' + token,
    'developer-token': developerToken,
    'Content-Type': 'application/json'
  };
  const loginCustomerId = digitsOf(text(data.login_customer_id));
  if (loginCustomerId) {
    headers['login-customer-id'] = loginCustomerId;
  }
  sendHttpRequest(url, {method: 'POST', headers: headers}, JSON.stringify(body)).then((result) => {
    const parsed = JSON.parse(text(result.body));
    const answer = getType(parsed) === 'object' ? parsed : {};
    // Upload errors come back as HTTP 200 with partialFailureError (partialFailure is
    // mandatory for these methods), request errors as a Google API error object.
    const problem = getType(answer.partialFailureError) === 'object' ? answer.partialFailureError :
      (getType(answer.error) === 'object' ? answer.error : undefined);
    if (result.statusCode >= 200 && result.statusCode < 300 && !problem) {
      data.gtmOnSuccess();
      return;
    }
    const line = {message: 'google-ads: Google Ads rejected the conversion', method: method, status: result.statusCode};
    if (problem) {
      // The message, followed by the first detailed error when it says something else.
      let detail = '';
      const details = getType(problem.details) === 'array' ? problem.details : [];
      for (let i = 0; i < details.length && !detail; i++) {
        const entry = details[i];
        const errors = getType(entry) === 'object' && getType(entry.errors) === 'array' ? entry.errors : [];
        if (errors.length > 0 && getType(errors[0]) === 'object') {
          detail = text(errors[0].message);
        }
      }
      const message = text(problem.message);
      setIf(line, 'error_message', detail && detail !== message ? message + ': ' + detail : message);
      setIf(line, 'error_status', text(problem.status));
    }
    if (!line.error_message) {
      line.body = text(result.body).substring(0, MAX_LOGGED_BODY);
    }
    logToConsole(line);
    data.gtmOnFailure('google-ads: HTTP ' + result.statusCode + ': ' + (line.error_message || line.body));
  }, (err) => {
    const reason = text(err && err.reason) || 'failed';
    logToConsole({message: 'google-ads: request failed', method: method, reason: reason});
    data.gtmOnFailure('google-ads: request ' + reason);
  });
});

function fail(reason) {
  logToConsole({message: 'google-ads: ' + reason});
  data.gtmOnFailure('google-ads: ' + reason);
}

function skip(reason) {
  logToConsole({message: 'google-ads: ' + reason + ', conversion not sent', event_name: eventData.event_name});
  data.gtmOnSuccess();
}

// The digits of an id such as 123-456-7890. A plain comparison per character is much
// cheaper than keepOnly's indexOf call; nothing is copied when the value is all digits.
function digitsOf(value) {
  let out = '';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c < '0' || c > '9') {
      out += value.substring(from, i);
      from = i + 1;
    }
  }
  return from === 0 ? value : out + value.substring(from);
}

// The access_token parameter, or one obtained from the refresh token and cached in
// templateDataStorage until a minute before it expires.
function withAccessToken(send) {
  const direct = text(data.access_token).trim();
  if (direct) {
    return send(direct);
  }
  const clientId = text(data.client_id).trim();
  const clientSecret = text(data.client_secret).trim();
  const refreshToken = text(data.refresh_token).trim();
  if (!clientId || !clientSecret || !refreshToken) {
    return fail('set access_token, or client_id, client_secret and refresh_token');
  }
  const key = 'oauth:' + sha256Sync(clientId + '\n' + refreshToken, {outputEncoding: 'hex'});
  const cached = templateDataStorage.getItemCopy(key);
  if (getType(cached) === 'object' && text(cached.token) && cached.expires > getTimestampMillis()) {
    return send(cached.token);
  }
  const form = 'grant_type=refresh_token&client_id=' + encodeUriComponent(clientId) +
    '&client_secret=' + encodeUriComponent(clientSecret) +
    '&refresh_token=' + encodeUriComponent(refreshToken);
  sendHttpRequest(TOKEN_URL, {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}}, form)
    .then((result) => {
      const parsed = JSON.parse(text(result.body));
      const answer = getType(parsed) === 'object' ? parsed : {};
      const token = text(answer.access_token);
      if (result.statusCode !== 200 || !token) {
        return fail('OAuth token refresh failed: HTTP ' + result.statusCode + ': ' +
          (text(answer.error_description) || text(answer.error) || text(result.body).substring(0, MAX_LOGGED_BODY)));
      }
      const lifetime = numberOr(answer.expires_in, 3600);
      templateDataStorage.setItemCopy(key, {token: token, expires: getTimestampMillis() + (lifetime - 60) * 1000});
      send(token);
    }, (err) => fail('OAuth token request ' + (text(err && err.reason) || 'failed')));
}

// gclid wins over gbraid over wbraid (the API takes exactly one). Sources: event data, the
// landing URL, then the Google Ads cookies (_gcl_aw GCL.<ts>.<id>, FPGCLAW 2.1.k<id>$i<ts>).
function clickId() {
  const pageUrl = text(eventData.page_location).trim();
  // parseUrl is costly: the landing URL is parsed at most once, and only when it can carry
  // the id asked for (it contains the name or a %-escape).
  const escaped = pageUrl.indexOf('%') >= 0;
  let params;
  const fromUrl = (name) => {
    if (!pageUrl || (!escaped && pageUrl.indexOf(name) < 0)) {
      return '';
    }
    if (params === undefined) {
      const parsed = parseUrl(pageUrl);
      params = parsed && getType(parsed.searchParams) === 'object' ? parsed.searchParams : null;
    }
    if (!params || !hasKey(params, name)) {
      return '';
    }
    const value = params[name];
    return text(getType(value) === 'array' ? value[0] : value).trim();
  };
  const gclid = text(eventData.gclid).trim() || fromUrl('gclid') ||
    storedClickId('FPGCLAW') || storedClickId('_gcl_aw');
  if (gclid) {
    return {name: 'gclid', value: gclid, gclid: gclid};
  }
  const gbraid = text(eventData.gbraid).trim() || fromUrl('gbraid') ||
    storedClickId('FPGCLGB') || storedClickId('_gcl_gb');
  if (gbraid) {
    return {name: 'gbraid', value: gbraid};
  }
  const wbraid = text(eventData.wbraid).trim() || fromUrl('wbraid');
  return wbraid ? {name: 'wbraid', value: wbraid} : {};
}

// The click id in a Google Ads cookie, or ''.
function storedClickId(cookieName) {
  const value = firstCookie(cookieName);
  if (!value) {
    return '';
  }
  if (value.indexOf('GCL.') === 0) {
    return value.split('.').slice(2).join('.');
  }
  const start = value.indexOf('.k');
  if (start < 0) {
    return '';
  }
  const id = value.substring(start + 2);
  const end = id.indexOf('$');
  return end >= 0 ? id.substring(0, end) : id;
}

// Google's rules (protocols.md d.2): trim and lower-case; gmail.com/googlemail.com lose
// the dots of the local part; phones in E.164; names and street hashed; city, state,
// postal code and country sent in clear. At most five identifiers.
function userIdentifiers() {
  const out = [];
  // Customer data comes from user_data or from flat 'user_data.<path>' keys of the event;
  // most events have neither, and then nothing below needs to run.
  if (eventData.user_data === undefined && eventData['user_data.email_address'] === undefined &&
      eventData['user_data.email'] === undefined && eventData['user_data.sha256_email_address'] === undefined &&
      eventData['user_data.phone_number'] === undefined && eventData['user_data.sha256_phone_number'] === undefined &&
      eventData['user_data.address'] === undefined) {
    return out;
  }
  // Every source is one step below user_data, which may be a list (arrays are flattened at
  // every level, null and undefined dropped): its objects are found once, so each source
  // takes one step instead of a path walk from the top.
  const userObjects = [];
  const top = hasKey(eventData, 'user_data') ? flatten([eventData.user_data]) : [];
  for (let i = 0; i < top.length; i++) {
    if (getType(top[i]) === 'object') {
      userObjects.push(top[i]);
    }
  }
  // The values of user_data.<name>; a key of the event spelt 'user_data.<name>' wins.
  const valuesOf = (name) => {
    const flatKey = 'user_data.' + name;
    if (hasKey(eventData, flatKey)) {
      return flatten([eventData[flatKey]]);
    }
    const found = [];
    for (let i = 0; i < userObjects.length; i++) {
      if (hasKey(userObjects[i], name)) {
        found.push(userObjects[i][name]);
      }
    }
    return flatten(found);
  };
  // The non-blank values of the first name in names that has any.
  const firstOf = (names) => {
    for (let n = 0; n < names.length; n++) {
      const values = valuesOf(names[n]);
      const kept = [];
      for (let i = 0; i < values.length; i++) {
        if (text(values[i]).trim() !== '') {
          kept.push(values[i]);
        }
      }
      if (kept.length > 0) {
        return kept;
      }
    }
    return [];
  };
  const emails = hashValues(firstOf(['email_address', 'email', 'sha256_email_address']), googleEmail);
  for (let i = 0; i < emails.length; i++) {
    out.push({hashedEmail: emails[i]});
  }
  const phones = hashValues(firstOf(['phone_number', 'sha256_phone_number']), phoneE164);
  for (let i = 0; i < phones.length; i++) {
    out.push({hashedPhoneNumber: phones[i]});
  }
  if (enhancement) {
    const addresses = valuesOf('address');
    let address;
    for (let i = 0; i < addresses.length && !address; i++) {
      if (getType(addresses[i]) === 'object') {
        address = addresses[i];
      }
    }
    if (address) {
      const info = {};
      const lower = (raw) => raw.trim().toLowerCase();
      setIf(info, 'hashedFirstName', hashValues([address.sha256_first_name || address.first_name], lower)[0]);
      setIf(info, 'hashedLastName', hashValues([address.sha256_last_name || address.last_name], lower)[0]);
      setIf(info, 'hashedStreetAddress', hashValues([address.sha256_street || address.street], lower)[0]);
      setIf(info, 'city', text(address.city).trim());
      setIf(info, 'state', text(address.region).trim());
      setIf(info, 'postalCode', text(address.postal_code).trim());
      setIf(info, 'countryCode', text(address.country).trim().toUpperCase());
      if (info.hashedFirstName || info.hashedLastName || info.hashedStreetAddress) {
        out.push({addressInfo: info});
      }
    }
  }
  return out.length > MAX_IDENTIFIERS ? out.slice(0, MAX_IDENTIFIERS) : out;
}

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

// Unix seconds as yyyy-mm-dd hh:mm:ss+00:00 in UTC (days-to-civil conversion).
function utcDateTime(seconds) {
  // The parts are whole numbers, which string concatenation writes as makeString would.
  const pad2 = (number) => (number < 10 ? '0' : '') + number;
  const days = Math.floor(seconds / 86400);
  const secs = seconds - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year + '-' + pad2(month) + '-' + pad2(day) + ' ' + pad2(Math.floor(secs / 3600)) + ':' +
    pad2(Math.floor(secs / 60) % 60) + ':' + pad2(secs % 60) + '+00:00';
}

// consentState returns 'granted' or 'denied' for one consent type, or '' when the event
// carries no signal for it. Sources in order: consent_state (GA4 client), consent
// (Measurement Protocol style, GRANTED/DENIED), then the raw x-ga-gcs and x-ga-gcd strings.
function consentState(type) {
  // No arrays or helper calls here: every vendor tag asks this once or twice per event.
  for (let i = 0; i < 2; i++) {
    const source = i === 0 ? eventData.consent_state : eventData.consent;
    if (source !== undefined && getType(source) === 'object' && hasKey(source, type)) {
      const value = text(source[type]).trim().toLowerCase();
      if (value === 'granted' || value === 'denied') {
        return value;
      }
    }
  }
  const gcsIndex = type === 'ad_storage' ? 0 : (type === 'analytics_storage' ? 1 : -1);
  const gcs = text(eventData['x-ga-gcs']);
  if (gcsIndex >= 0 && gcs.length >= 4 && gcs.substring(0, 2) === 'G1') {
    const digit = gcs.charAt(2 + gcsIndex);
    if (digit === '1' || digit === '0') {
      return digit === '1' ? 'granted' : 'denied';
    }
  }
  // gcd: two digits, then one letter+digit pair per type (protocols.md a.5).
  const gcdIndex = gcsIndex >= 0 ? gcsIndex :
    (type === 'ad_user_data' ? 2 : (type === 'ad_personalization' ? 3 : -1));
  const gcd = text(eventData['x-ga-gcd']);
  if (gcdIndex >= 0 && gcd.length > 2 + 2 * gcdIndex &&
      DIGITS.indexOf(gcd.charAt(0)) >= 0 && DIGITS.indexOf(gcd.charAt(1)) >= 0) {
    const letter = gcd.charAt(2 + 2 * gcdIndex);
    if ('pqmu'.indexOf(letter) >= 0) {
      return 'denied';
    }
    if ('trnv'.indexOf(letter) >= 0) {
      return 'granted';
    }
  }
  return '';
}

// consentPolicy applies tagd's advertising consent rules. Denied ad_user_data: no customer
// information (hashed fields, external ids, IP address). Denied ad_storage: the event is not
// sent, or with ad_storage_denied = 'anonymous' it is sent without cookie and click ids.
// No signal counts as granted (consent mode not in use).
function consentPolicy() {
  if (!flag(data.respect_consent, true)) {
    return {send: true, userData: true, identifiers: true};
  }
  const storageDenied = consentState('ad_storage') === 'denied';
  return {
    send: !storageDenied || text(data.ad_storage_denied).trim() === 'anonymous',
    userData: consentState('ad_user_data') !== 'denied',
    identifiers: !storageDenied
  };
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

// firstCookie returns the first value of a request cookie, or ''.
function firstCookie(name) {
  const values = getCookieValues(name);
  return getType(values) === 'array' && values.length > 0 ? text(values[0]).trim() : '';
}

// Unix seconds. event_time in event data may be seconds or milliseconds.
function eventTime() {
  let time = numberOr(eventData.event_time, 0);
  if (!(time > 0)) {
    time = getTimestampMillis();
  }
  if (time > 100000000000) {
    time = time / 1000;
  }
  return Math.floor(time);
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

// A finite number from a number or numeric string, else fallback.
function numberOr(value, fallback) {
  let number = value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (!trimmed) {
      return fallback;
    }
    number = makeNumber(trimmed);
  } else if (typeof value !== 'number') {
    return fallback;
  }
  return typeof number === 'number' && number === number &&
    number !== 1 / 0 && number !== -1 / 0 ? number : fallback;
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

function setIf(obj, key, value) {
  if (value !== undefined && value !== null && value !== '') {
    obj[key] = value;
  }
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
            "string": "specific"
          }
        },
        {
          "key": "urls",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "https://googleads.googleapis.com/*"
              },
              {
                "type": 1,
                "string": "https://oauth2.googleapis.com/token"
              }
            ]
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
        "publicId": "get_cookies",
        "versionId": "1"
      },
      "param": [
        {
          "key": "cookieAccess",
          "value": {
            "type": 1,
            "string": "specific"
          }
        },
        {
          "key": "cookieNames",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "_gcl_aw"
              },
              {
                "type": 1,
                "string": "FPGCLAW"
              },
              {
                "type": 1,
                "string": "_gcl_gb"
              },
              {
                "type": 1,
                "string": "FPGCLGB"
              }
            ]
          }
        }
      ]
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "access_template_storage",
        "versionId": "1"
      },
      "param": []
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
- name: a purchase with gclid becomes a click conversion with hashed email and phone
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(200, '{"results":[{"gclid":"Cj0KCQjwTEST","conversionAction":"customers/1234567890/conversionActions/987654"}]}');
    runCode(config({}));
    assertThat(request.url).isEqualTo('https://googleads.googleapis.com/v26/customers/1234567890:uploadClickConversions');
    assertThat(request.options).isEqualTo({method: 'POST', headers: {
      'Authorization': 'Bearer ya29.token', 'developer-token': 'dev-token', 'Content-Type': 'application/json',
      'login-customer-id': '1112223333'
    }});
    assertThat(request.body).isEqualTo({conversions: [{
      gclid: 'Cj0KCQjwTEST',
      conversionAction: 'customers/1234567890/conversionActions/987654',
      conversionDateTime: '2024-05-20 10:13:20+00:00',
      conversionValue: 59.98, currencyCode: 'USD', orderId: 'T-1001',
      userIdentifiers: [
        {hashedEmail: 'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69'},
        {hashedPhoneNumber: '8a59780bb8cd2ba022bfa5ba2ea3b6e07af17a7d8b30c1f9b3390e36f69019e4'}
      ],
      consent: {adUserData: 'GRANTED', adPersonalization: 'DENIED'}
    }], partialFailure: true});
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: conversion times are formatted in UTC, including leap days and milliseconds
  code: |-
    respond(200, '{}');
    const cases = [[951782400, '2000-02-29 00:00:00+00:00'], [4107542399, '2100-02-28 23:59:59+00:00'],
      [1716200000123, '2024-05-20 10:13:20+00:00'], [0, '2024-05-20 10:13:20+00:00']];
    mock('getTimestampMillis', 1716200000999);
    cases.forEach((c) => {
      mock('getAllEventData', {event_name: 'purchase', gclid: 'g', event_time: c[0]});
      runCode(config({}));
      assertThat(request.body.conversions[0].conversionDateTime, makeString(c[0])).isEqualTo(c[1]);
    });
- name: click ids come from the URL or the Google Ads cookies, gclid first
  code: |-
    respond(200, '{}');
    mock('getAllEventData', {event_name: 'purchase', page_location: 'https://shop.example/?wbraid=WB1&gbraid=GB1'});
    runCode(config({}));
    assertThat(request.body.conversions[0].gbraid).isEqualTo('GB1');
    assertThat(request.body.conversions[0].wbraid).isUndefined();
    mock('getCookieValues', (name) => name === 'FPGCLAW' ? ['2.1.kCj0FromServer$i1716199000'] : (name === '_gcl_aw' ? ['GCL.1716199000.Cj0FromGtag'] : []));
    runCode(config({}));
    assertThat(request.body.conversions[0].gclid).isEqualTo('Cj0FromServer');
    mock('getCookieValues', (name) => name === '_gcl_aw' ? ['GCL.1716199000.Cj0FromGtag'] : []);
    runCode(config({}));
    assertThat(request.body.conversions[0].gclid).isEqualTo('Cj0FromGtag');
- name: without a click id, customer data alone is uploaded (enhanced conversions for leads)
  code: |-
    respond(200, '{}');
    mock('getAllEventData', {event_name: 'generate_lead', event_time: 1716200000, user_data: {email_address: 'Jane.Doe@example.com'}});
    runCode(config({}));
    assertThat(request.body.conversions[0]).isEqualTo({
      conversionAction: 'customers/1234567890/conversionActions/987654',
      conversionDateTime: '2024-05-20 10:13:20+00:00',
      userIdentifiers: [{hashedEmail: '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d'}]
    });
    request = undefined;
    mock('getAllEventData', {event_name: 'generate_lead'});
    runCode(config({}));
    assertThat(request).isUndefined();
    assertApi('logToConsole').wasCalledWith({
      message: 'google-ads: no gclid, gbraid or wbraid and no customer information, conversion not sent', event_name: 'generate_lead'
    });
- name: enhancement mode sends an ENHANCEMENT adjustment with the address
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(200, '{}');
    runCode(config({mode: 'enhancement', validate_only: true}));
    assertThat(request.url).isEqualTo('https://googleads.googleapis.com/v26/customers/1234567890:uploadConversionAdjustments');
    assertThat(request.body).isEqualTo({conversionAdjustments: [{
      conversionAction: 'customers/1234567890/conversionActions/987654',
      adjustmentType: 'ENHANCEMENT', orderId: 'T-1001',
      gclidDateTimePair: {conversionDateTime: '2024-05-20 10:13:20+00:00', gclid: 'Cj0KCQjwTEST'},
      userIdentifiers: [
        {hashedEmail: 'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69'},
        {hashedPhoneNumber: '8a59780bb8cd2ba022bfa5ba2ea3b6e07af17a7d8b30c1f9b3390e36f69019e4'},
        {addressInfo: {
          hashedFirstName: '81f8f6dde88365f3928796ec7aa53f72820b06db8664f5fe76a7eb13e24546a2',
          hashedLastName: '799ef92a11af918e3fb741df42934f3b568ed2d93ac1df74f1b8d41a27932a6f',
          hashedStreetAddress: '5406e822e5bfd177a026bc3fe16eb7a6d71a1f175bbf9b1564e4d500f3c92391',
          city: 'San Francisco', state: 'CA', postalCode: '94107', countryCode: 'US'
        }}
      ],
      userAgent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0'
    }], partialFailure: true, validateOnly: true});
- name: consent rules for clicks and customer data
  code: |-
    respond(200, '{}');
    const ev = {};
    Object.keys(purchaseEvent).forEach((key) => { ev[key] = purchaseEvent[key]; });
    ev.consent_state = {ad_storage: 'granted', ad_user_data: 'denied', ad_personalization: 'denied'};
    mock('getAllEventData', ev);
    runCode(config({}));
    assertThat(request.body.conversions[0].userIdentifiers).isUndefined();
    assertThat(request.body.conversions[0].consent).isEqualTo({adUserData: 'DENIED', adPersonalization: 'DENIED'});
    ev.consent_state = {ad_storage: 'denied'};
    request = undefined;
    runCode(config({}));
    assertThat(request).isUndefined();
    runCode(config({ad_storage_denied: 'anonymous'}));
    assertThat(request.body.conversions[0].gclid).isUndefined();
    assertThat(request.body.conversions[0].userIdentifiers).hasLength(2);
- name: the refresh token is exchanged once and the access token reused from storage
  code: |-
    const calls = [];
    const store = {};
    mockObject('templateDataStorage', {
      getItemCopy: (key) => store[key] === undefined ? null : store[key],
      setItemCopy: (key, value) => { store[key] = value; }
    });
    mock('getTimestampMillis', 1716200000000);
    mock('sendHttpRequest', (url, options, body) => {
      calls.push({url: url, options: options, body: body});
      const answer = url === 'https://oauth2.googleapis.com/token' ? '{"access_token":"ya29.fresh","expires_in":3599,"token_type":"Bearer"}' : '{}';
      return Promise.create((resolve) => resolve({statusCode: 200, headers: {}, body: answer}));
    });
    mock('getAllEventData', purchaseEvent);
    const oauth = {access_token: '', client_id: 'cid.apps.googleusercontent.com', client_secret: 's&cret', refresh_token: '1//refresh'};
    runCode(config(oauth));
    callLater(() => {
      runCode(config(oauth));
      callLater(() => {
        assertThat(calls).hasLength(3);
        assertThat(calls[0].url).isEqualTo('https://oauth2.googleapis.com/token');
        assertThat(calls[0].body).isEqualTo('grant_type=refresh_token&client_id=cid.apps.googleusercontent.com&client_secret=s%26cret&refresh_token=1%2F%2Frefresh');
        assertThat(calls[1].options.headers.Authorization).isEqualTo('Bearer ya29.fresh');
        assertThat(calls[2].url).isEqualTo('https://googleads.googleapis.com/v26/customers/1234567890:uploadClickConversions');
        assertThat(calls[2].options.headers.Authorization).isEqualTo('Bearer ya29.fresh');
      });
    });
- name: a partial failure fails the tag with Google's message
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(200, '{"partialFailureError":{"code":3,"message":"This customer does not have an import conversion action that matches the conversion action provided., at conversions[0].conversion_action","details":[]}}');
    runCode(config({}));
    callLater(() => {
      assertApi('gtmOnSuccess').wasNotCalled();
      assertApi('gtmOnFailure').wasCalledWith('google-ads: HTTP 200: This customer does not have an import conversion action that matches the conversion action provided., at conversions[0].conversion_action');
    });
- name: an API error fails the tag with the detailed message
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(401, '{"error":{"code":401,"message":"Request is missing required authentication credential.","status":"UNAUTHENTICATED","details":[{"errors":[{"message":"The developer token is not valid."}]}]}}');
    runCode(config({}));
    callLater(() => assertApi('gtmOnFailure').wasCalledWith(
      'google-ads: HTTP 401: Request is missing required authentication credential.: The developer token is not valid.'));
- name: missing settings fail without a request
  code: |-
    respond(200, '{}');
    mock('getAllEventData', purchaseEvent);
    runCode(config({conversion_action: 'abc'}));
    runCode(config({access_token: ''}));
    assertApi('sendHttpRequest').wasNotCalled();
    assertApi('gtmOnFailure').wasCalledWith('google-ads: customer_id, conversion_action and developer_token are required');
    assertApi('gtmOnFailure').wasCalledWith('google-ads: set access_token, or client_id, client_secret and refresh_token');
setup: |-
  const JSON = require('JSON');
  const Object = require('Object');
  const Promise = require('Promise');
  const callLater = require('callLater');
  const makeString = require('makeString');
  let request;
  const respond = (status, responseBody) => {
    mock('sendHttpRequest', (url, options, body) => {
      request = {url: url, options: options, body: JSON.parse(body)};
      return Promise.create((resolve) => resolve({statusCode: status, headers: {}, body: responseBody}));
    });
  };
  const config = (extra) => {
    const params = {customer_id: '123-456-7890', conversion_action: '987654', developer_token: 'dev-token',
                    login_customer_id: '111-222-3333', access_token: 'ya29.token', api_version: 'v26', mode: 'click',
                    send_user_data: true, respect_consent: true, ad_storage_denied: 'skip', validate_only: false};
    Object.keys(extra).forEach((key) => { params[key] = extra[key]; });
    return params;
  };
  const purchaseEvent = {
    event_name: 'purchase', event_time: 1716200000, transaction_id: 'T-1001', value: 59.98, currency: 'usd',
    page_location: 'https://shop.example/checkout/thanks?gclid=Cj0KCQjwTEST',
    user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0',
    user_data: {
      email_address: ' Jane.Doe@GMail.com ', phone_number: '+1 (555) 123-4567',
      address: {first_name: ' Jane', last_name: 'Doe', street: '100 Main St', city: 'San Francisco',
                region: 'CA', postal_code: '94107', country: 'us'}
    },
    consent_state: {ad_storage: 'granted', analytics_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'denied'}
  };


___NOTES___

Built-in tagd template, written for tagd from scratch.
