# Not addressed: people planning aloud or reporting on lists, timers, calls and meetings.
@gate 0
@hard yes
@weight 1.5
@prefix [{hes},^0.1]
I'll add it to the list later
I need to call {business} tomorrow
we should schedule something with {person} soon
I'm going to set a timer for the {food}
I still have to look up {term} for class
I'll put {event} on the calendar tonight
let's take a picture by the fountain
I've got a call with {name} at three
I'm making a list for {event}
I think I'll research {topic} this weekend
we should order {item} before it runs out
I have to write up the report for {event} by {day}
let me just check my calendar real quick
I'll call you back in {duration}
I'm going to start a new doc for the project tonight
she's going to send the photos tomorrow
we'll figure out the timing for {event} later
I'm meeting {name} for lunch {date}
I should really back up my photos
I need to find a good photo of {photo_subject} for the card
we're calling {relation} after dinner
I'll look it up when I get home
I keep meaning to track my spending
my plan is to do a deep dive on {topic} next month
I'll set a reminder on my phone
next week I have to book the flights to {place}
I'm supposed to call the insurance company today
we need to put together an agenda for {event}
I'm gonna add {item} to my cart and think about it
I'll text {name} the address
I'll take some pictures of {photo_subject} for you
I'm timing how long the bus takes
I should write {item} down before I forget
we have to call the landlord about the heater
tomorrow I'm going to sort through all the photos from {event}
I'm adding {item} to the list, we're totally out
I'll grab {item} on the way home
I'm just going to search for it later
she's going to call you about {event}
we'll book it online once we know the dates
I'm starting a new spreadsheet for the budget this weekend
I think I'll look up a recipe for {food}
I've got to call {relation}, it's her birthday
we still need to schedule {event_new}
I'll add you to the calendar invite
let me write that on the list
I'm putting a timer on, don't let me forget
I have a meeting {time} so I can't
I'll do some research and get back to you
we should see how much we spent on {event}
I'm going to call it a day
I'll take a look at the pictures tonight
I need to set up a meeting with {name}
I'm about to jump on a call, give me a second
I'll start the timer when the water boils
we're putting {item} and {item} on the shopping list, right?
I'll check the reviews on {site} first
{name} said she'd set up the calendar invite
I'll draft something and send it to you tonight
I'm just going to browse for a bit
# longer plans
after dinner I'm going to sit down and add everything we need for {event} to the shopping list
tomorrow morning I have to call {business}, then {relation}, and then probably the bank too
I think I'll research a couple of options for {topic} this weekend and then we can decide together
once the kids are asleep I'm going to go through the photos from {event} and pick the best ones
I was thinking we could schedule {event_new} next week, but only if {name} is free
# short plans
I'll call her back
I'll add it later
I'll look it up
let me check
I'll set a timer
I'll write it down
