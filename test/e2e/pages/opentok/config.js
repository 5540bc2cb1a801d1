// As in OpenTok's samples: the credentials an app server would hand out. Here the apiKey and the
// token are not used; the session id comes from the page's URL (?session=...).
var apiKey = '46000000';
var sessionId = new URLSearchParams(location.search).get('session');
var token = 'T1==not-used-by-mesh-signal';
