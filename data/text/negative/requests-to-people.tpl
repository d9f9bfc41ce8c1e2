# Not addressed to the assistant: requests made to other people in the room. Many of them
# ask for what an intent would do; a name, an endearment, "you"/"your" or an errand shows
# that a person is being asked.
@gate 0
@hard yes
@weight 2
@prefix [{hes},^0.08]
can you grab {item} on your way home?
could you call {relation} back?
{name}, can you set a timer for the {food}?
{dear}, could you put {item} on the list when you get a sec?
can you call your mom back?
would you take a picture of us?
{name}, look up when the store closes, would you?
{dear}, did you want to add anything to the list?
can you pick up {item} after work?
could you check the calendar and see if we're free {date}?
hey {name}, can you call {business} and ask about the order?
{name}, take a photo of me with {photo_subject}
would you mind writing that down for me?
can you text {name} and tell her we're running late?
{dear}, set the oven timer for {duration}, would you?
can you look up how to get there?
could you send me the pictures from {event}?
{name}, would you put {event} on the shared calendar for us?
hey, can you add {item} to your list when you go?
please call me when you land
ring me after your meeting
can you find the photos from {event} for your grandma?
{name}, google what time the game starts
could you email me that document?
would you start the timer when I say go?
{dear}, can you order {item} on your phone?
make sure you call {relation} before nine
{name}, can you make a list of what we need for {event}?
can you start a doc for the group project and share it with me?
could you look into flights to {place} for us?
{name}, find out {fact}
can you keep an eye on the {food}? it needs {duration}
{dear}, remind me to call {relation} later
can you check {site} for cheaper ones?
hey {name}, how much did you spend on {spend_cat}? just roughly
{name}, go pay the {bill} bill before you forget
can you help me find the pictures of {photo_subject}?
could you grab me a coffee?
would you pass the salt?
{name}, can you hold this for a second?
could you turn that down a bit?
pick up {item} and {item} on your way back, okay?
{dear}, can you give {relation} a call and wish her happy birthday?
{name}, would you write up the notes from {event} and send them around?
can you two schedule something with {name} next week?
{name}, could you search your email for the receipt?
hey, set your alarm, we're leaving early
you should take a timer with you
can you look through your photos from {event} for a good one of {name}?
{dear}, put your shoes on, we're going
{name}, can you call the school and tell them {name} is sick?
could somebody take out the trash?
would you check if we have any {item} left?
can you count how many chairs we need for {event}?
{name}, what was that word you looked up earlier? find it again
can you save me a seat at {event}?
text me the list when you're done
call me if you need anything
{dear}, could you get the door?
can you put {event} in your phone so you don't forget?
{name}, please research a couple of options for {topic} and tell me tomorrow
grab {item} from the fridge, would you?
could you hang up and call me back on the landline?
{dear}, start the dishwasher before bed
can you find a picture of {photo_subject} for the card?
{name}, add me to the group chat
hey {name}, set a timer for ten minutes and then wake me up
{name}, could you book us a table somewhere for {day}?
can you write down {name}'s number for me?
# longer requests between people
{dear}, when you're at the store can you grab {item} and maybe some {item} if they have it?
{name}, could you call {business} tomorrow morning and ask them why the bill went up again?
hey, before you leave, can you set the oven timer for {duration} so the {food} doesn't burn?
{name}, can you look through your phone for the pictures from {event}? I need one for the slideshow
would you mind adding {item} to the list on the fridge? I used the last of it this morning
{dear}, can you put {event} on the big calendar in the kitchen so your dad sees it too?
can you find out from {name} what time {event} starts and whether we need to bring anything?
# short requests
grab {item}, please
call me later
call your mom
get the door
text me
take a picture
set the table
hurry up
# a name where a wake phrase would be
(okay|ok|hey) {name}, set a timer for {duration} when you put the {food} in
(okay|hey) {name}, add {item} to the list on the fridge
hey {name}, call {relation} and tell her we're on our way
(okay|hey) {name}, look up {term} for me, I can't remember what it means
hey {name}, can you take some pictures of the kids at {event}?
(okay|hey) {name}, put {event} on the family calendar
hey {name}, do some research on {topic} before we decide
okay {name}, book us a table at {restaurant} for {day}
hey {name}, start a doc for {doc_topic} so we can all add to it
{name}, hey, how much did we spend on {spend_cat} last month?
