/**
 * A license comment before the first header is ignored.
 */


___INFO___

{"type": "TAG", "version": 1, "displayName": "Preamble", "containerContexts": ["SERVER"]}

___SANDBOXED_JS_FOR_SERVER___

data.gtmOnSuccess();

