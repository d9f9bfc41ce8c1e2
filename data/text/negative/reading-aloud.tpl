# Not addressed: reading aloud from a book, a recipe, a letter, a form or a screen.
@gate 0
@weight 1
once upon a time there was a little bear who couldn't sleep
and the hungry caterpillar ate through one apple
preheat the oven to three fifty and grease the pan
combine the flour, the sugar and a pinch of salt
dear {name}, thank you so much for the lovely gift
step three: insert tab A into slot B
it says here the warranty covers parts but not labor
please enter your account number followed by the pound key
to whom it may concern, I am writing to follow up on my application
the label says take two tablets every six hours with food
she read the menu out loud: soup of the day, grilled salmon, and risotto
okay, it says, bake for {duration} or until golden brown
chapter one, the boy who lived
the fox looked at the moon and said good night
it says the store opens at nine on Saturdays
and they all lived happily ever after, the end
okay, question four: what is the capital of Peru?
the email says the package was delivered to the front porch
here it says: stir occasionally until the sauce thickens
section two, subsection B: tenants must give thirty days notice
listen to this: local dog rescues family from house fire
the sign says no parking between seven and nine
it says here that {topic} is more popular than ever
according to the article, more people are working from home than ever
the poem goes: two roads diverged in a yellow wood
the instructions say to charge it fully before the first use
one cup of rice to two cups of water, bring to a boil
ingredients: two eggs, a cup of milk, and a tablespoon of butter
the text from {name} says: on my way, save me a seat
the card says happy anniversary, with love from all of us
row twelve, seats four and five, doors open at seven
the review says the food was great but the service was slow
and then the little train said I think I can, I think I can
warning: contents may be hot
the note on the fridge says don't eat the cake
the third line reads: the meeting has been moved to Thursday
the recipe calls for {item}, but we can skip it
it says set the timer for {duration} and don't open the oven
the list on the fridge says {item}, {item} and {item}
the invitation says {event} starts at six
