# Not addressed: one side of a phone call the listener cannot hear.
@gate 0
@weight 1
@prefix [{hes},^0.08]
hi, yes, I'm calling about my order
hey, it's me, can you hear me?
no, I'm still at the store
yeah, I'll be there in like {duration}
sorry, you're breaking up
okay, love you too, bye
I told her already, she didn't listen
can I call you back? I'm driving
yes, that's the one, the blue one
the appointment is {time}, I think
tell {name} I said hi
no, I already paid that
I'm on hold with them right now
oh no, is she okay?
yeah, I can do {day}
what did the doctor say?
I'll have to check with {relation} first
so what are you doing this weekend?
sorry, wrong number
hi, this is {name} from next door
it's account number four five two nine
could you spell that for me?
I'm calling to confirm my reservation for {day}
yes, I'll hold
okay, so Tuesday at ten then, great
hang on, let me grab a pen
no, the other address, the one on Maple Road
thank you so much, you've been really helpful
he's not here right now, can I take a message?
yeah, the flight lands {time}
mom, I have to go, I'll call you later
we're all fine, the kids say hi
no, I never got that email
sounds good, see you at {event}
yeah, no, I told them I'd call back after lunch because I was still waiting on the paperwork
okay, so if you get there before me, just tell the hostess it's under {name}, party of four
hi, yes, I'm calling because I was charged twice for the same order and I'd like a refund
