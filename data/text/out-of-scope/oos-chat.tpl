# Controls, courtesies and small talk with the assistant.
@gate 1
@weight 0.4
@prefix [{wake},^0.3]
stop @w=2
cancel (that|it) @w=2
never mind
thank you
thanks, that's (all|it)
tell me a (joke|funny joke|knock knock joke)
what can you do?
repeat that
say that again?
go back
that's not what I (asked|said)
you misheard me
how are you today?
good (morning|evening|afternoon)
good night
what's your name?
are you listening?
help
wait, stop
no, the other one
yes, do it
no thanks
can you speak (slower|faster|more slowly)?
talk louder
tell me a fun fact (about {topic}|)
flip a coin
roll a die
pick a number between one and (ten|a hundred)
give me a riddle
sing me a song
that's wrong, try again
are you still there?
okay, that's enough
not now
(stop|quiet), I'm on the phone
what did you just say?
(please|) cancel the last thing
