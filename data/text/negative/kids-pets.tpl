# Not addressed: talking to children and pets.
@gate 0
@weight 0.8
good (boy|girl), (sit|stay|down)
no, don't (eat|touch|lick) that
{dear}, put your (shoes|coat|pajamas|socks) on
who's a good (girl|boy|kitty)?
come here, let me fix your (hair|collar|shirt)
five more minutes and then it's (bath time|bedtime|time to go)
did you brush your teeth?
stop chewing on the (couch|shoes|remote)
share with your (brother|sister|friend), please
inside voice, please
okay, one more (story|song|book) and then bed
let's clean up the toys before (dinner|bath|bed)
where's your (backpack|lunchbox|water bottle)?
gentle, be gentle with the (kitty|puppy|baby)
no jumping on the (bed|couch)
drink your (milk|water|juice)
say thank you to {name}
we don't hit, we use our words
what a beautiful (drawing|tower|castle)
it's time for your nap
leave it, leave it
who wants (pancakes|waffles|{food})?
eat {number} more bites of {food}
wash your hands, (dinner|lunch|breakfast)'s ready
you can watch one more episode
hold my hand in the parking lot
shh, the baby's sleeping
good job, buddy, high five
stop it, both of you
go get your coat, we're (leaving|going to grandma's)
(come on|let's go), (we're going to be late|the bus is here)
{dear}, (are you hungry|do you need the potty|are you tired)?
what do we say when someone helps us?
look at the (birdie|doggy|big truck)!
no more (cookies|screen time|candy) today
