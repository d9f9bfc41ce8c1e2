# Phone calls, placed directly or made on the user's behalf.
@intents hasCallingAgentIntent
@prefix [{wake},^0.3] [{hes},^0.1]
call {person} @w=4
call {business} @w=2
give {person} a call
phone {business}
call {business} to {call_goal} @w=3
(can|could) you call {business} and {call_goal}?
dial {person}
ring {person}
get {person} on the phone
video call {person}
call {person} on speaker
call {person} back
return {person}'s call
call {person}'s cell
call {business} and ask if they're open
call {business} for me and {call_goal}
phone {person} and tell them I'm running late
call {person} about {event}
call the venue for {event} and confirm the time
ring {business} and {call_goal}
please call {person}
call {person} on FaceTime
start a call with {people}
start a group call with {people} now
call {business} and book me in for {day}
make a call to {business}
could you make a phone call to {business} for me?
I need you to call {business} and {call_goal}
call {person} at work
call {person}'s mobile
dial {business}
call the number on the screen
um, call, uh, {person}
call {person} and let them know {message}
hop on a call with {person}
connect me with {business}
call {business} and see if they can {call_goal}
can you phone {person} for me?
call {business} and wait on hold for me
call {business} and cancel my order
would you mind calling {business} to {call_goal}?
call {person} and put it on speaker
place a call to {person}
call home
call {person} and ask about {event}
call {restaurant} and reserve a table for {event}
redial the last number
call {business} to {call_goal} and text me what they say
call {person} again
ring {business} for me, please
call {restaurant} and order {food} for pickup
phone {restaurant} and ask how long the wait is tonight
