___INFO___

{
  "type": "MACRO",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "User Agent",
  "categories": [
    "UTILITY"
  ],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "The device type (desktop, mobile, tablet), browser, operating system or bot flag parsed from the event's user agent.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "SELECT",
    "name": "output",
    "displayName": "Return",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "device_type",
        "displayValue": "Device type (desktop, mobile, tablet)"
      },
      {
        "value": "browser",
        "displayValue": "Browser name"
      },
      {
        "value": "browser_version",
        "displayValue": "Browser version"
      },
      {
        "value": "os",
        "displayValue": "Operating system"
      },
      {
        "value": "os_version",
        "displayValue": "Operating system version"
      },
      {
        "value": "is_bot",
        "displayValue": "Is a bot (true/false)"
      },
      {
        "value": "all",
        "displayValue": "All of them (object)"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "device_type",
    "help": "What to return. Unknown parts are undefined. Note: iPads with desktop-class Safari send a Mac user agent and come out as desktop."
  },
  {
    "type": "TEXT",
    "name": "user_agent",
    "displayName": "User agent",
    "simpleValueType": true,
    "help": "Optional user agent string, usually a {{variable}}. Empty: the event's user_agent, else the request's User-Agent header; without either, client_hints.mobile decides mobile or desktop."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const getEventData = require('getEventData');
const getRequestHeader = require('getRequestHeader');
const getType = require('getType');
const makeString = require('makeString');

const VERSION_CHARS = '0123456789._';
const BOT_MARKERS = ['bot', 'crawler', 'spider', 'slurp', 'headlesschrome', 'facebookexternalhit',
  'lighthouse', 'curl/', 'wget/', 'python-requests', 'go-http-client'];
const TABLET_MARKERS = ['ipad', 'tablet', 'kindle', 'silk/', 'playbook'];
const MOBILE_MARKERS = ['mobi', 'iphone', 'ipod', 'android', 'windows phone', 'blackberry', 'bb10', 'opera mini'];
// Browser tokens, most specific first: Chromium-based browsers also say Chrome/ and Safari/.
const BROWSERS = [
  ['edg/', 'Edge'], ['edga/', 'Edge'], ['edgios/', 'Edge'], ['opr/', 'Opera'], ['opt/', 'Opera'],
  ['samsungbrowser/', 'Samsung Internet'], ['firefox/', 'Firefox'], ['fxios/', 'Firefox'],
  ['crios/', 'Chrome'], ['chrome/', 'Chrome'], ['msie ', 'Internet Explorer']
];
const WINDOWS_VERSIONS = {'10.0': '10', '6.3': '8.1', '6.2': '8', '6.1': '7', '6.0': 'Vista', '5.1': 'XP'};

const given = text(data.user_agent).trim();
const userAgent = given || text(getEventData('user_agent')).trim() || text(getRequestHeader('user-agent')).trim();
const hints = getEventData('client_hints');
const info = parse(userAgent, getType(hints) === 'object' ? hints : {});
if (!info) {
  return undefined;
}
const output = text(data.output).trim() || 'device_type';
if (output === 'all') {
  return info;
}
return info[output] === '' ? undefined : info[output];

function parse(ua, clientHints) {
  if (!ua) {
    // Only client hints: they say mobile or not, nothing finer.
    if (getType(clientHints.mobile) !== 'boolean') {
      return undefined;
    }
    return {device_type: clientHints.mobile ? 'mobile' : 'desktop', browser: '', browser_version: '',
      os: text(clientHints.platform), os_version: text(clientHints.platform_version), is_bot: false};
  }
  const lower = ua.toLowerCase();
  const out = {device_type: deviceType(lower), browser: '', browser_version: '', os: '', os_version: '',
    is_bot: BOT_MARKERS.some((marker) => lower.indexOf(marker) >= 0)};
  for (let i = 0; i < BROWSERS.length; i++) {
    if (lower.indexOf(BROWSERS[i][0]) >= 0) {
      out.browser = BROWSERS[i][1];
      out.browser_version = versionAfter(lower, BROWSERS[i][0]);
      break;
    }
  }
  if (!out.browser && lower.indexOf('trident/') >= 0) {
    out.browser = 'Internet Explorer';
    out.browser_version = versionAfter(lower, 'rv:');
  } else if (!out.browser && lower.indexOf('safari/') >= 0 && lower.indexOf('version/') >= 0) {
    out.browser = 'Safari';
    out.browser_version = versionAfter(lower, 'version/');
  }
  operatingSystem(lower, out);
  return out;
}

// Tablets first: an Android device without "Mobile" in its user agent is a tablet.
function deviceType(lower) {
  if (TABLET_MARKERS.some((marker) => lower.indexOf(marker) >= 0) ||
      (lower.indexOf('android') >= 0 && lower.indexOf('mobi') < 0)) {
    return 'tablet';
  }
  return MOBILE_MARKERS.some((marker) => lower.indexOf(marker) >= 0) ? 'mobile' : 'desktop';
}

// iOS before macOS: iOS user agents say "like Mac OS X".
function operatingSystem(lower, out) {
  if (lower.indexOf('windows phone') >= 0) {
    out.os = 'Windows Phone';
    out.os_version = versionAfter(lower, 'windows phone ');
  } else if (lower.indexOf('windows nt ') >= 0) {
    const version = versionAfter(lower, 'windows nt ');
    out.os = 'Windows';
    out.os_version = WINDOWS_VERSIONS[version] || version;
  } else if (lower.indexOf('iphone') >= 0 || lower.indexOf('ipad') >= 0 || lower.indexOf('ipod') >= 0) {
    out.os = 'iOS';
    out.os_version = versionAfter(lower, lower.indexOf(' os ') >= 0 ? ' os ' : 'version/');
  } else if (lower.indexOf('android') >= 0) {
    out.os = 'Android';
    out.os_version = versionAfter(lower, 'android ');
  } else if (lower.indexOf('cros ') >= 0) {
    out.os = 'ChromeOS';
  } else if (lower.indexOf('mac os x') >= 0) {
    out.os = 'macOS';
    out.os_version = versionAfter(lower, 'mac os x ');
  } else if (lower.indexOf('linux') >= 0) {
    out.os = 'Linux';
  }
}

// The version number right after token: digits, dots and underscores (as dots).
function versionAfter(lower, token) {
  const start = lower.indexOf(token);
  if (start < 0) {
    return '';
  }
  let version = '';
  for (let i = start + token.length; i < lower.length && VERSION_CHARS.indexOf(lower.charAt(i)) >= 0; i++) {
    version += lower.charAt(i) === '_' ? '.' : lower.charAt(i);
  }
  while (version.charAt(version.length - 1) === '.') {
    version = version.substring(0, version.length - 1);
  }
  return version;
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
                "string": "user_agent"
              },
              {
                "type": 1,
                "string": "client_hints"
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
        "publicId": "read_request",
        "versionId": "1"
      },
      "param": [
        {
          "key": "requestAccess",
          "value": {
            "type": 1,
            "string": "specific"
          }
        },
        {
          "key": "headersAllowed",
          "value": {
            "type": 8,
            "boolean": true
          }
        },
        {
          "key": "headerAccess",
          "value": {
            "type": 1,
            "string": "specific"
          }
        },
        {
          "key": "headerWhitelist",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "headerName"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "user-agent"
                  }
                ]
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
- name: real user agents are classified
  code: |-
    const cases = [
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
        {device_type: 'desktop', browser: 'Chrome', browser_version: '125.0.0.0', os: 'Windows', os_version: '10', is_bot: false}],
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.2535.51',
        {device_type: 'desktop', browser: 'Edge', browser_version: '125.0.2535.51', os: 'Windows', os_version: '10', is_bot: false}],
      ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
        {device_type: 'desktop', browser: 'Safari', browser_version: '17.4.1', os: 'macOS', os_version: '10.15.7', is_bot: false}],
      ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
        {device_type: 'mobile', browser: 'Safari', browser_version: '17.4.1', os: 'iOS', os_version: '17.4.1', is_bot: false}],
      ['Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/125.0.6422.80 Mobile/15E148 Safari/604.1',
        {device_type: 'tablet', browser: 'Chrome', browser_version: '125.0.6422.80', os: 'iOS', os_version: '16.6', is_bot: false}],
      ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.53 Mobile Safari/537.36',
        {device_type: 'mobile', browser: 'Chrome', browser_version: '125.0.6422.53', os: 'Android', os_version: '14', is_bot: false}],
      ['Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Safari/537.36',
        {device_type: 'tablet', browser: 'Samsung Internet', browser_version: '24.0', os: 'Android', os_version: '13', is_bot: false}],
      ['Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0',
        {device_type: 'desktop', browser: 'Firefox', browser_version: '126.0', os: 'Linux', os_version: '', is_bot: false}],
      ['Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko',
        {device_type: 'desktop', browser: 'Internet Explorer', browser_version: '11.0', os: 'Windows', os_version: '7', is_bot: false}],
      ['Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.175 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
        {device_type: 'mobile', browser: 'Chrome', browser_version: '125.0.6422.175', os: 'Android', os_version: '6.0.1', is_bot: true}]
    ];
    cases.forEach((c) => {
      assertThat(runCode({user_agent: c[0], output: 'all'}), c[0]).isEqualTo(c[1]);
    });
- name: the event's user agent, then the request header; single outputs
  code: |-
    mock('getEventData', (key) => key === 'user_agent' ? 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) Mobile/15E148' : undefined);
    assertThat(runCode({})).isEqualTo('mobile');
    assertThat(runCode({output: 'os'})).isEqualTo('iOS');
    assertThat(runCode({output: 'browser'})).isUndefined();
    assertThat(runCode({output: 'is_bot'})).isFalse();
    mock('getEventData', () => undefined);
    mock('getRequestHeader', (name) => name === 'user-agent' ? 'curl/8.5.0' : undefined);
    assertThat(runCode({output: 'is_bot'})).isTrue();
    assertThat(runCode({output: 'device_type'})).isEqualTo('desktop');
- name: without a user agent, client hints decide mobile or desktop; nothing at all is undefined
  code: |-
    mock('getRequestHeader', () => undefined);
    mock('getEventData', (key) => key === 'client_hints' ? {mobile: true, platform: 'Android', platform_version: '14.0.0'} : undefined);
    assertThat(runCode({})).isEqualTo('mobile');
    assertThat(runCode({output: 'os'})).isEqualTo('Android');
    mock('getEventData', () => undefined);
    assertThat(runCode({})).isUndefined();
setup: ''


___NOTES___

Built-in tagd template, written for tagd from scratch.
