(self.siteSearchData=self.siteSearchData||{})["s/h"]={"terms":"those whose"};
