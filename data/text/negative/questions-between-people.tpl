# Not addressed: questions people ask each other, often about the same things the
# intents are about.
@gate 0
@hard yes
@weight 1.5
@prefix [{hes},^0.08]
did you put {item} on the list?
did you call {relation} back?
what time is {event} again?
have you seen the photos from {event}?
do you know what {term} means?
how long has the timer been going?
did anyone set a timer for the {food}?
are we still meeting {name} {date}?
when did you last talk to {relation}?
is {event} on the calendar?
who's making the list for {event}?
did {name} send the pictures yet?
have you looked up how to get to {place}?
what's on the list?
how much did we spend on {spend_cat} this month, do you think?
are you free {date}?
did you finish the doc for {doc_topic}?
did you book the hotel in {place}?
who called?
was that {relation} on the phone?
do you remember {fact}?
should I call {business} or will you?
did the timer go off?
how many people are coming to {event}?
can you believe {name} forgot the meeting?
what did you find out about {topic}?
did you ever order {product}?
do we need {item}?
have you tried calling {name}?
is {event} this weekend or next?
where did you put the list?
did you see the picture {name} posted?
how much longer for the {food}?
when are we leaving for {event}?
did you check the calendar?
want me to call them?
should we add {item} to the list?
did you research {topic} at all?
did {name} ever call you back?
are we taking pictures at {event}?
do you know how many minutes are left on the timer?
what time did you say the call was?
did you write down the address?
have you started on {doc_topic} yet?
what did {relation} want?
who's bringing {item} to {event}?
are you looking at {site} again?
did you set your alarm?
how was {event}?
did you get the photo I sent?
how much was the bill?
do we have anything {date}?
is {name} coming to {event}?
did you search your email for it?
should I set a timer or will you remember?
do you want me to write that down?
how did you find that out?
when's your next meeting?
# longer questions
do you remember whether we put {item} on the list or did we decide we still had some at home?
did {name} ever call you back about {event}, or are we still waiting to hear from her?
how long did the lady on the phone say it would take for {business} to fix it?
wait, is {event} this Saturday or the one after, because I told {name} it was this one?
# short questions
who was that?
ready?
is it done?
did they call?
what time?
where's the list?
