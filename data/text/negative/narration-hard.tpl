# Not addressed: narration and past tense that reuse the words of the intents. These are
# the hardest negatives: a timer, a list, a call or a photo is mentioned, nothing is asked.
@gate 0
@hard yes
@weight 2
@prefix [{hes},^0.08]
the oven timer kept beeping all morning
he put {item} on the list last week
I set a timer for {duration} and then totally forgot about it
the timer went off right in the middle of the call
she added {item} to the {list_name} but nobody bought it
we never did call {business} back
I called {relation} yesterday and we talked for an hour
{name} showed me the photos from {event}, they were gorgeous
I looked up {term} once and still don't get it
the calendar said {event} was on Friday but it got moved
he spent all weekend researching {topic}
I already put it on the calendar, don't worry
I think I left the timer running
she wrote a whole document about {doc_topic}
they took so many pictures at {event}
my phone kept calling {name} by accident
the list was way too long, so we skipped half of it
we searched everywhere for {item}
{relation} called twice while you were out
I found an old photo of {photo_subject} in a box
the {duration_adj} timer on the dryer is broken again
I scheduled {event_new} and then completely forgot to go
he spent {duration} on hold with {business}
the meeting with {name} ran late again
I googled {term} and went down a rabbit hole
she booked the tickets on {site} last night
we set the timer but the cake still burned
I wrote {item} on the list but I lost the list
the photos from {event} came out blurry
{name} never answered when I called
last time I researched {topic} it took me a week
the doc we made for {doc_topic} is a mess
my calendar was packed all week
I tried to order {product} online but it was sold out
the kitchen timer fell behind the stove
she keeps a spreadsheet of all her spending
he timed the whole race with his phone
I spent way too much on {spend_cat} last month
we added {item} to the cart and then forgot to check out
the guy from {business} called about the order
I had to call {business} three times
I read something about {topic} the other day
I was going to add it to the list, but then I forgot
the timer was set for {duration}, but it felt longer
they looked up the answer on their phones
my sister made a whole photo album from {event}
we put {event} on the family calendar months ago
the alarm went off at five and the timer at six
I typed up the notes from {event} last night
she looked at the pictures and started crying
my grandfather used to call every Sunday
the search took forever and found nothing
he browsed {site} for hours and didn't buy anything
we had a countdown going for {event}
I made a list of everything we needed for {event}
we took a hundred photos of {photo_subject}
the meeting got moved to {day} and no one told me
the reminder popped up right after I'd already left
I started a doc for {doc_topic} but never finished it
he left a voicemail asking me to call back
the egg timer was shaped like a chicken
she timed her run at {duration}
we ran out of {item} halfway through the week
she ordered {item} online and it came in two days
I wrote a report on {topic} back in college
our calendar app crashed right before {event}
he kept checking his steps every five minutes
they called the restaurant and it was fully booked
the stopwatch said {duration}
I saw a story on the news about {topic}
my mom kept every photo from {event} in a shoebox
# longer reports that mention the same things
so yesterday I set a timer for the roast, went to get the mail, and completely forgot about it until I smelled smoke
my sister put everything for {event} on one shared list, and then nobody actually checked it before the party
I spent about {duration} on the phone with {business} and they still couldn't tell me where my order was
when we got back from {place} I went through all the photos and deleted almost half of them
he scheduled {event_new} for the same afternoon as {event}, so of course he had to cancel one of them
I looked up {term} three different times last semester and I still couldn't explain it to you
we had this big calendar on the fridge with everyone's practices and appointments, and it was always wrong
the last time I tried to book anything on {site} the page crashed right when I was paying
{name} called me at six in the morning to ask if I'd seen the pictures from {event}
she wrote a really long document about {doc_topic} and sent it to the whole family by mistake
# short mentions
the timer's done
I called her
list's on the fridge
nice photo
he never called
timer went off
I searched everywhere
