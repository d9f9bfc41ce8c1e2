@intents hasAddToListIntent
@prefix [{wake},^0.3]
add {item} to my shopping list
put {item} on the list
please add {item} to the grocery list
can you add {item} to my list
{item} on the shopping list please
