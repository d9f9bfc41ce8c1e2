# Not addressed: everyday conversation between people in the room.
@gate 0
@weight 1.5
@prefix [{hes},^0.1]
did you feed the cat?
I'm so tired today
what do you want for dinner?
we could just do {food} again
I don't know, whatever you want
can you believe it's already {day}?
that's what I told her
no, I think it was the other one
it's freezing in here
I left my keys in the car again
she said she'd be here by six
I can't find my other shoe
we should really clean the garage this weekend
that was the best {food} I've had in ages
how was school today?
did you sleep okay?
I'm going to take a shower
your phone's been buzzing
the dog needs to go out
I think it's going to rain
wait, where did I put my glasses?
let's just stay in tonight
I'm not really hungry yet
you look nice today
remember when we went to {place}?
he's always late, it's fine
I'll do the dishes after this
did you hear that noise?
it smells amazing in here
okay, I'm heading out
be careful, the floor is wet
who ate the last cookie?
my back is killing me
traffic was terrible this morning
we need to leave in ten minutes or we'll be late
honestly I'm not sure it's worth it
that's a good idea actually
I'll think about it
what time did you get home last night?
{name} looked really happy at dinner
she's been working so hard lately
let me finish this first
that's hilarious
it's not a big deal, don't worry about it
I told {name} we'd figure it out later
the neighbors are having another party
I can't believe how expensive everything is now
turn left up here, no, the next one
is that a new shirt?
don't forget your jacket
we're almost out of gas
I really want to go back to {place} someday
he fixed the sink, finally
you're right, I forgot
do you think it'll be sunny this weekend?
{dear}, your food's getting cold
I'm going to lie down for a bit
did the package come?
let's go for a walk after lunch
you should call {relation} back, she sounded upset @hard
no, that's not how it goes
the cat knocked over the plant again
I'm making coffee, want some?
we had such a good time at {place}
yeah, I saw that too
she texted me a picture of the baby
my phone is almost dead
ugh, Monday again
this {food} is so good
I think we have everything
where's the remote?
can't wait for the weekend
it's been a long week
I'm sorry, I wasn't listening, what did you say?
we should invite {name} and {name} over sometime
# longer stretches of conversation
I was going to make {food} tonight but honestly I'm too tired, can we just order something?
so I told him that if he wants to come with us to {place} he has to ask his boss first
we spent the whole afternoon at {place} and the kids didn't want to leave when it got dark
you know what, I think we should repaint the bedroom before your parents come to stay
I can't believe it's been five years since we moved into this place, time goes so fast
if it doesn't stop raining by noon we should probably move the picnic indoors or skip it
the guy at the hardware store said the part won't come in until the end of next week
{name} told me her brother is moving to {place} in the spring and she's pretty upset about it
I keep meaning to fix that drawer but every time I look at it I find something else to do
we really need to figure out what we're doing for the holidays before the flights get expensive
honestly the best part of the trip was that little bakery we found on the last morning
my mom called and said she's bringing the big casserole dish again, so we don't need to cook
# short remarks
I'm home
what's up?
see you soon
nice one
love you
got it, thanks
I'm starving
hi, {name}
good morning, {dear}
not yet
be right back
