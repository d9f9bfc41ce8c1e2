# Not addressed: broadcast speech that sounds like a request (a TV chef, an advert, a
# host talking to listeners). It addresses an audience, never the assistant.
@gate 0
@hard yes
@weight 0.8
now set your timer for {duration} and let the dough rise, (folks|everybody|at home)
call now and get a second one absolutely free
(search for|look up) (Bloom Bakery|Harbor Dental|Sunny Side Cafe) online to find a location near you
visit our website today and book your (stay|table|free trial)
folks at home, grab a pen and write this down
add a pinch of salt, and put it on your shopping list if you don't have it
don't forget to mark your calendars for (the big game|the season premiere|our holiday special) on {day}
take a picture and share it with us using the hashtag
give us a call at 1 800 555 0199
if you want to learn more, look it up, there's a great book on {topic}
be sure to subscribe and hit the bell so you never miss an episode
listeners, send us your (photos|videos) from (the parade|the storm|the game)
set a reminder, the finale airs {day} at nine
our next caller is on the line, go ahead, you're on the air
download the app and order ahead to skip the line
schedule your free consultation today
so write this down, this is important for the exam
go to our website and enter the code SAVE20 at checkout
start the timer, contestants, you have {duration}
in this video I'll show you how to research any topic in ten minutes
put the tray in the oven and set the timer for {duration}
call your doctor if symptoms last more than a week
add these to your cart before they sell out
the timer starts now, good luck to our (bakers|chefs|contestants)
so add the {item} one at a time and keep mixing
be sure to check our calendar of events on the website
and if you need a lawyer, call the number on your screen
tap the link in the description to shop the look
jot this down if you're cooking along at home
(now|okay), add {item} to the pan and (stir|let it simmer) for {duration}
make a list of everything you're grateful for, and read it every morning
(call|text) your (mom|dad|grandma) this weekend, she'll love it, that's my advice
book your tickets for {event} now, seats are going fast
take a photo of your receipt and upload it in the app to earn points
if you missed it, search for our show on any podcast app
create a free account today and start your first document in seconds
set your alarm, because tomorrow we're live at six
dial the number below and tell them {name} sent you
so step one: open the browser and go to the settings page
pull up a chair and grab a snack, this one's a long episode
and that's when you add it to your calendar, so you never forget again
start a timer for {duration}, and when it goes off, flip the (steak|pancakes|chicken)
check your (inbox|spam folder) for the confirmation link
write that down, {team} have not lost at home all season
