/* global OT apiKey sessionId token */
// Written the way OpenTok's public text-chat sample is: classic scripts, OT.initSession,
// connect(token, callback), a publisher beside the chat, signal({ type: 'msg' }) from a form and
// a signal:msg handler that tells mine from theirs by connectionId. Unchanged for mesh-signal but
// for the <script src> in chat.html; errors are listed in #errors instead of alert().
var session;
var publisher;

function handleError(error) {
  if (error) {
    var item = document.createElement('li');
    item.textContent = error.name + ': ' + error.message;
    item.dataset.name = error.name;
    document.querySelector('#errors').appendChild(item);
  }
}

function initializeSession() {
  session = OT.initSession(apiKey, sessionId);

  // Subscribe to a newly created stream
  session.on('streamCreated', function streamCreated(event) {
    var subscriberOptions = { insertMode: 'append', width: '100%', height: '100%' };
    session.subscribe(event.stream, 'subscriber', subscriberOptions, handleError);
  });

  session.on('sessionDisconnected', function sessionDisconnected(event) {
    console.log('You were disconnected from the session.', event.reason);
  });

  // Connect to the session
  session.connect(token, function callback(error) {
    if (error) {
      handleError(error);
    } else {
      document.body.dataset.connected = 'yes';
      // Initialize the publisher and publish it to the session
      var publisherOptions = { insertMode: 'append', width: '100%', height: '100%' };
      publisher = OT.initPublisher('publisher', publisherOptions, handleError);
      session.publish(publisher, handleError);
    }
  });

  // Receive a message and append it to the history
  var msgHistory = document.querySelector('#history');
  session.on('signal:msg', function signalCallback(event) {
    var msg = document.createElement('p');
    msg.textContent = event.data;
    msg.className = event.from.connectionId === session.connection.connectionId ? 'mine' : 'theirs';
    msgHistory.appendChild(msg);
    msg.scrollIntoView();
  });
}

// Text chat
var form = document.querySelector('form');
var msgTxt = document.querySelector('#msgTxt');

// Send a signal once the user enters data in the form
form.addEventListener('submit', function submit(event) {
  event.preventDefault();

  session.signal({
    type: 'msg',
    data: msgTxt.value
  }, function signalCallback(error) {
    if (error) {
      console.error('Error sending signal:', error.name, error.message);
      handleError(error);
    } else {
      msgTxt.value = '';
    }
  });
});

OT.on('exception', function (event) {
  var item = document.createElement('li');
  item.textContent = 'exception ' + event.code + ' ' + event.title;
  item.dataset.exception = String(event.code);
  document.querySelector('#errors').appendChild(item);
});

if (OT.checkSystemRequirements() === 1) {
  initializeSession();
} else {
  handleError({ name: 'UNSUPPORTED', message: 'this browser cannot run the chat' });
}
