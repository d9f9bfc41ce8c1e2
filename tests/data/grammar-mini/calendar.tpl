@intents hasCalendarEvent
@prefix [{wake},^0.3]
schedule {event} {day}
put {event} on my calendar for {day}
add {event} with {person} to my calendar
create a calendar entry for {event} {day}
book {event} for {day} in my calendar
