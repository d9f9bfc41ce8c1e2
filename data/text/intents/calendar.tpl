# Creating, moving and asking about calendar events. Naming the event through {event}
# or {event_new} adds hasEventContext; some templates name none, so the two heads differ.
@intents hasCalendarEvent
@prefix [{wake},^0.3] [{hes},^0.1]
schedule {event_new} {date} {time} @w=3
put {event_new} on my calendar for {day} @w=2
add {event_new} to my calendar {date}
book {event_new} {date} {time}
set up {event_new} {date}
create a calendar event for {event_new} {date}
(can|could) you schedule {event_new} for {day} {time}?
what's on my calendar {date}? @w=2
am I free {date} {time}?
do I have anything {date}?
when is {event}?
what time is {event}?
move {event} to {day}
reschedule {event} to {day} {time}
push {event} back an hour
cancel {event}
invite {person} to {event}
block off {date} {time} for focus time
block two hours {date} for deep work
what's first on my schedule {date}?
find a time for {event_new} next week
put {event} on the calendar and invite {people}
schedule a call with {person} {time} {date}
make {event} a recurring event every week
add {event} to my calendar
put {event} on the family calendar
is {event} still on my calendar?
add a hold {date} {time}
clear my afternoon {date}
when do I see {person} next?
when's the next time I'm scheduled with {person}?
how many meetings do I have {date}?
let {person} know I accepted the invite for {event} and add it to my calendar
um, can you put, uh, {event_new} on the calendar {date}?
new event: {event_new}, {day} {time}
calendar: {event_new} {date} {time}
pencil in {event_new} for {day}
add {event_new} to the calendar and invite {person}
schedule {event_new} with {people} {date}
what do I have going on {day}?
what's next on my calendar?
remove {event} from my calendar
shorten {event} to thirty minutes
extend {event} by half an hour
change the location of {event} to {place}
add the address for {event} to the calendar entry
set {event} to repeat every week
I need {event_new} on my calendar {date}, please
book time with {person} for {day}
am I double booked {date}?
book a slot with {person} {date} {time}
open up my calendar for {day}
put {event} on my work calendar
