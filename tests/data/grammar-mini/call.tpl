@intents hasCallingAgentIntent
@prefix [{wake},^0.3]
call {person}
(please|could you) call {person} (now|for me)
phone {person} about {event}
give {person} a call
ring {person} on (speaker|video)
