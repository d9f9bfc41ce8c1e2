# Messages, alarms and reminders: addressed, not one of the 12 intents. A filled
# {person} still makes hasPersonContext 1, so the context head is not tied to an intent.
@gate 1
@weight 0.4
@prefix [{wake},^0.35] [{hes},^0.08]
text {person} {message} @w=2
send {person} a message saying {message}
tell {person} {message}
message {person}: {message}
read my messages
any new texts from {person}?
read me the last message from {person}
reply to {person}: {message}
set an alarm {time} @w=2
wake me up {time}
set an alarm {date} {time}
turn off my alarm
snooze
cancel my morning alarm
remind me to {todo} {date}
remind me {date} to {todo}
remind me to take my pills {time}
send a text to {person}
what did {person} say?
send {person} my location
share my ETA with {person}
any missed calls?
check my voicemail
read my new emails
email {person} that {message}
text {people} that {message}
um, text, uh, {person} {message}
did {person} text back?
set an alarm {time} every weekday
what alarms do I have?
tell {person} happy birthday
remind me about {event} {date}
send {person} a message about {event}
