# Not addressed: broadcast speech that sounds like a request (a TV chef, an advert, a
# host talking to listeners). It addresses an audience, never the assistant.
@gate 0
@hard yes
@weight 0.8
now set your timer for twenty minutes and let the dough rise, folks
call now and get a second one absolutely free
search for Bloom Bakery online to find a location near you
visit our website today and book your stay
folks at home, grab a pen and write this down
add a pinch of salt, and put it on your shopping list if you don't have it
don't forget to mark your calendars for the big game on Sunday
take a picture and share it with us using the hashtag
give us a call at 1 800 555 0199
if you want to learn more, look it up, there's a great book on it
be sure to subscribe and hit the bell so you never miss an episode
listeners, send us your photos from the parade
set a reminder, the finale airs next Tuesday at nine
our next caller is on the line, go ahead, you're on the air
download the app and order ahead to skip the line
schedule your free consultation today
so write this down, this is important for the exam
go to our website and enter the code SAVE20 at checkout
start the timer, contestants, you have thirty minutes
in this video I'll show you how to research any topic in ten minutes
put the tray in the oven and set the timer for twelve minutes
call your doctor if symptoms last more than a week
add these to your cart before they sell out
the timer starts now, good luck to our bakers
so add the eggs one at a time and keep mixing
be sure to check our calendar of events on the website
and if you need a lawyer, call the number on your screen
tap the link in the description to shop the look
jot this down if you're cooking along at home
