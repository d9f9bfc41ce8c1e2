@gate 0
@hard
the oven timer kept beeping for {duration}
(he|she) put {item} on the list {day}
I already added {item} to the list {day}
my calendar was full of meetings {day}
the timer went off while I was in the {room}
(we|they) set a timer for {duration} and forgot about it
