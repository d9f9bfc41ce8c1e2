# Adding things to a list. A filled {person} or {event} adds its context head.
@intents hasAddToListIntent
@prefix [{wake},^0.3] [{hes},^0.1]
add {item} to my {list_name} @w=3
add {item} to the {list_name} [please] @w=2
put {item} on the {list_name} @w=2
put {item} on my list
(can|could) you add {item} to my {list_name}?
would you put {item} on the {list_name} for me?
add {item} and {item} to my {list_name}
add {item}, {item} and {item} to the {list_name}
we're out of {item}, add that to the {list_name}
I need {item}, can you add that to my {list_name}?
don't let me forget {item}, stick it on the {list_name}
throw {item} on the {list_name}
jot down {item} on my {list_name}
add {todo} to my to-do list @w=2
put {todo} on my to-do list
new to-do: {todo}
add a task to {todo}
add {item} to {person}'s list
put {item} on the list for {event}
add {item} to the {list_name} for {event}
for {event}, add {item} to the list
add {item} to the list I share with {person}
I want to add {item} to my {list_name}
please add {item} to my {list_name}
uh, add {item} to the, um, {list_name}
add to my {list_name}: {item}
one more thing for the {list_name}: {item}
stick {item} on my {list_name}
add {item} to my list before I forget
I'm running low on {item}, put that on my {list_name}
make sure {item} is on the {list_name}
put {item} down on the {list_name}
add {item} to the packing list for {trip}
can you add {item} to my list for {event}?
add {item} to the {list_name} so {person} can pick it up
add {todo} to {person}'s to-do list
put {item} on the {list_name} for {person}
start a new {list_name} and add {item}
{list_name}, add {item}
add {item} to (groceries|the groceries)
put {item} (and|plus) {item} on there
can I get {item} on the {list_name}?
I'd like {item} on my {list_name}, please
remember {item} for the {list_name}
add {item} to my {list_name} for {day}
need {item}, add it to the list
toss {item} on the {list_name} (too|as well)
on my to-do list, add {todo}
add a reminder on my to-do list to {todo}
hey, could you please add {item} to the {list_name}? thanks
put {item}, {item}, {item} and {item} on the {list_name}
add {item} to the shared list with {people}
write {item} on the {list_name}
make a note on the {list_name}: {item}
add {todo} to the list for {event}
