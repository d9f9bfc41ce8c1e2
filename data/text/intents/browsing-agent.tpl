# Acting on websites: going somewhere, finding, filling in, ordering, booking.
@intents hasBrowsingAgentIntent
@prefix [{wake},^0.3] [{hes},^0.1]
go to {site} and {web_task} @w=3
open {site} @w=2
on {site}, {web_task}
use the browser to {web_task}
(can|could) you go on {site} and {web_task}?
find {product} under {price} on {shop}
check the price of {product} on {shop}
pay my {bill} bill online
log into {site} and check my account
fill out the form on {site}
book a table at {restaurant} online for {day}
order {item} from {shop}
buy {product} on {shop}
renew my car registration online
unsubscribe me from the emails from {site}
find tickets for {event} online
browse {shop} for {product}
track my package on {shop}
compare prices for {product} on a few sites
navigate to {site} and find the support page
sign me up for the new program on the gym's website
{web_task}
go online and {web_task}
open a browser and search {shop} for {product}
add {product} to my cart on {shop}
check out my cart on {shop}
find a hotel near {event} and book it
book flights to {place} for {day}
check if {business} has online booking and make a reservation
look at {shop} and tell me if {product} is back in stock
reserve a campsite at {place} online
go to my bank's website and pay the {bill} bill
fill in my address on the checkout page
cancel my order on {shop}
um, go to, uh, {site} and {web_task}
head over to {shop} and look for {product}
get me the cheapest {product} you can find online
submit the RSVP for {event} on the website
order food from {restaurant} through their site
find a dog sitter online for next weekend
book a rental car in {place} online
sign the kids up for swim lessons on the city's website
download the form from {site} and fill it in
find a used {product} on {shop} near me
open {site} and scroll to the deals
apply for the job posting on {site}
log in to {site} and change my password
fill out the return form on {site}
shop for {product} under {price}
buy tickets to {event} online
reorder {item} on {shop}
