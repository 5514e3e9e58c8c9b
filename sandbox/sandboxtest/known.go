package sandboxtest

import "sort"

// serverAPIs lists every require()-able API of Google's server-side sandbox (see
// docs/COMPATIBILITY.md), with the members of those that are objects. The runner uses it
// to tell "not implemented by tagd" apart from "no such API"; the compatibility table is
// generated from it and sandbox.APIs().
var serverAPIs = map[string][]string{
	// request
	"getRequestBody": nil, "getRequestHeader": nil, "getRequestMethod": nil,
	"getRequestPath": nil, "getRequestQueryParameter": nil, "getRequestQueryParameters": nil,
	"getRequestQueryString": nil, "getRemoteAddress": nil, "isRequestMpv1": nil,
	"isRequestMpv2": nil, "extractEventsFromMpv1": nil, "extractEventsFromMpv2": nil,
	"getCookieValues": nil,
	// container and event control
	"claimRequest": nil, "runContainer": nil, "returnResponse": nil, "addEventCallback": nil,
	"getClientName": nil, "getContainerVersion": nil, "addMessageListener": nil,
	"hasMessageListener": nil, "sendMessage": nil,
	// event data
	"getEventData": nil, "getAllEventData": nil,
	// response
	"setResponseStatus": nil, "setResponseHeader": nil, "setResponseBody": nil,
	"setPixelResponse": nil, "setCookie": nil, "sendPixelFromBrowser": nil,
	// HTTP and Google services
	"sendHttpRequest": nil, "sendHttpGet": nil, "getGoogleAuth": nil, "getGoogleScript": nil,
	"sendEventToGoogleAnalytics": nil,
	// storage and Google Cloud
	"templateDataStorage": {"getItemCopy", "setItemCopy", "removeItem", "clear"},
	"Firestore":           {"read", "write", "query", "runTransaction"},
	"BigQuery":            {"insert"},
	// crypto and encoding
	"sha256": nil, "sha256Sync": nil, "hmacSha256": nil, "toBase64": nil, "fromBase64": nil,
	"encodeUri": nil, "encodeUriComponent": nil, "decodeUri": nil, "decodeUriComponent": nil,
	// utilities
	"callLater": nil, "computeEffectiveTldPlusOne": nil, "createRegex": nil, "testRegex": nil,
	"generateRandom": nil, "getTimestampMillis": nil, "getTimestamp": nil, "getType": nil,
	"makeInteger": nil, "makeNumber": nil, "makeString": nil, "makeTableMap": nil,
	"parseUrl": nil, "queryPermission": nil, "logToConsole": nil,
	"JSON": {"parse", "stringify"}, "Math": {"abs", "ceil", "floor", "round", "max", "min", "pow", "sqrt"},
	"Object": {"keys", "values", "entries", "freeze", "delete"}, "Promise": {"create", "all"},
}

// ServerAPIs returns the names of all sGTM server APIs, sorted.
func ServerAPIs() []string {
	out := make([]string, 0, len(serverAPIs))
	for n := range serverAPIs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
